/**
 * Three changes to how a connection's bytes reach and leave the socket,
 * made on the connections roomsub's own node opens, so that one room frame
 * costs one write and one read at each end instead of four:
 *
 * - Noise hands the transport each frame as two buffers (a 2-byte length
 *   and the ciphertext), and the TCP transport writes buffers one by one:
 *   two syscalls and, with Nagle off, two packets. `singleWriteEncrypter`
 *   joins what a connection is given at once into one write.
 * - js-yamux answers every data frame it receives with a window update,
 *   so every room frame had a 28-byte frame coming back. go-yamux and the
 *   spec's reference sends one only once half the receive window has been
 *   used (or with flags: opening a stream); `lazyWindowYamux` does that.
 * - Noise's reader asks for the next frame's 2-byte length until the
 *   buffer runs short, and a short buffer throws a new RangeError: a stack
 *   trace captured at every socket read (3 µs here; throwing one error
 *   made once, 0.5 µs).
 *
 * Each patches single objects (a connection, its Noise reader, a yamux
 * stream) whose fields the packages keep public at runtime; nothing global
 * changes, and an app's own libp2p node in the same process is untouched.
 * Measured in bench/results (see the README's Performance section).
 */
import { yamux } from '@chainsafe/libp2p-yamux'
import { Uint8ArrayList } from 'uint8arraylist'
import type { ConnectionEncrypter, MessageStream, SecuredConnection, StreamMuxer, StreamMuxerFactory } from '@libp2p/interface'

interface SendsData {
  sendData: (data: Uint8ArrayList) => unknown
}

function joinWrites (connection: MessageStream): void {
  const stream = connection as unknown as Partial<SendsData>
  const sendData = stream.sendData
  if (typeof sendData !== 'function') return
  stream.sendData = function (this: unknown, data: Uint8ArrayList): unknown {
    // subarray() of a list holding one buffer is that buffer; of more, one copy of a few hundred bytes
    return sendData.call(this, new Uint8ArrayList(data.subarray()))
  }
}

/** what Noise's length decoder throws, made once: throwing it captures no stack */
const SHORT_LENGTH = new RangeError('Could not decode int16BE')

function uint16BEDecode (data: Uint8Array | Uint8ArrayList): number {
  if (data.byteLength < 2) throw SHORT_LENGTH
  return data instanceof Uint8Array ? (data[0] << 8) | data[1] : data.getUint16(0)
}

function cheapShortReads (secured: SecuredConnection): SecuredConnection {
  const decoder = (secured.connection as unknown as { decoder?: { lengthDecoder?: unknown, encodingLength?: unknown } }).decoder
  if (typeof decoder?.lengthDecoder === 'function' && typeof decoder.encodingLength === 'function' && decoder.encodingLength(0) === 2) {
    decoder.lengthDecoder = uint16BEDecode
  }
  return secured
}

/**
 * `factory`'s encrypter, writing each of its frames to the connection in one
 * piece and reading them without a stack trace a read
 */
export function singleWriteEncrypter<Components> (factory: (components: Components) => ConnectionEncrypter): (components: Components) => ConnectionEncrypter {
  return (components) => {
    const encrypter = factory(components)
    return {
      protocol: encrypter.protocol,
      async secureInbound (connection, options) {
        joinWrites(connection)
        return cheapShortReads(await encrypter.secureInbound(connection, options))
      },
      async secureOutbound (connection, options) {
        joinWrites(connection)
        return cheapShortReads(await encrypter.secureOutbound(connection, options))
      }
    }
  }
}

/** yamux's stream states (its StreamState enum), where a window update carries no flag */
const SYN_SENT = 1
const ESTABLISHED = 3

interface YamuxStreamWindow {
  state: number
  recvWindow: number
  recvWindowCapacity: number
  sendWindowUpdate: () => void
}

function isYamuxStream (stream: unknown): stream is YamuxStreamWindow {
  const s = stream as Partial<YamuxStreamWindow>
  return typeof s.sendWindowUpdate === 'function' && typeof s.recvWindow === 'number' && typeof s.recvWindowCapacity === 'number'
}

function lazyWindowUpdates (stream: YamuxStreamWindow): void {
  const sendWindowUpdate = stream.sendWindowUpdate
  stream.sendWindowUpdate = function (this: YamuxStreamWindow): void {
    const used = this.recvWindow - this.recvWindowCapacity
    if ((this.state === ESTABLISHED || this.state === SYN_SENT) && used < this.recvWindow / 2) return
    sendWindowUpdate.call(this)
  }
}

/** yamux (same options) whose streams send window updates only once half the receive window is used */
export function lazyWindowYamux (init: Parameters<typeof yamux>[0] = {}): () => StreamMuxerFactory {
  const make = yamux(init)
  return () => {
    const factory = make()
    return {
      protocol: factory.protocol,
      createStreamMuxer (maConn: MessageStream): StreamMuxer {
        const muxer = factory.createStreamMuxer(maConn)
        const internal = muxer as unknown as { _newStream?: (...args: unknown[]) => unknown }
        const newStream = internal._newStream
        if (typeof newStream === 'function') {
          internal._newStream = function (this: unknown, ...args: unknown[]): unknown {
            const stream = newStream.apply(this, args)
            if (isYamuxStream(stream)) lazyWindowUpdates(stream)
            return stream
          }
        }
        return muxer
      }
    }
  }
}
