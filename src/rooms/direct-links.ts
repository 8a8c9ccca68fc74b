/**
 * Direct links (`/roomsub/<appID>/direct/1.0.0`): one long-lived stream to
 * each peer we share a small room with, on which chat messages go straight
 * from their author to each member. In a room whose members are all
 * connected to each other (directRoomSize) gossipsub only repeated what a
 * link does, at a price: an RPC encoded per peer, a message id, the seen
 * cache and its receive pipeline. 10 peers in one process, the same stack,
 * nothing of roomsub's: gossipsub's p50 was 1.17 ms, plain streams' 0.78 ms.
 *
 * A link only carries. What arrives goes to `receive` with the peer that
 * sent it (Noise authenticated it), and the room manager decides. Bytes that
 * are not direct frames are counted and end the link; a link that breaks is
 * dropped and opened again when a frame next needs it, and until then
 * frames go through gossipsub.
 */
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { Uint8ArrayList } from 'uint8arraylist'
import { DirectFrame } from '../wire/roomsub.js'
import { encodeMessage } from '../wire/encode.js'
import { MAX_ENVELOPE_BYTES } from '../wire/envelope.js'
import { directProtocol } from './topics.js'
import type { RoomsubNode } from '../node/create-node.js'
import type { Connection, Stream } from '@libp2p/interface'
import type { Seal } from '../wire/roomsub.js'

const log = logger('roomsub:direct')

/** a direct frame at most: an envelope, a room ID and their tags */
export const MAX_DIRECT_FRAME_BYTES = MAX_ENVELOPE_BYTES + 1024
/** seals one frame carries at most: a sender batches those of messages sent in one turn */
export const MAX_SEALS_PER_FRAME = 64
/** a length prefix of more bytes than the largest frame needs is not one */
const MAX_PREFIX_BYTES = 3
/** opening a link; a peer that does not answer in time is left for RETRY_MS */
const OPEN_TIMEOUT_MS = 5000
const RETRY_MS = 5000
/** a peer's links to us at once: one, and one more while a replaced one closes */
const MAX_INBOUND_LINKS = 2
/** bytes queued on a link before it is dropped: a peer that stopped reading */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024
/** peers whose failed link is remembered at most */
const MAX_RETRIES_TRACKED = 4096

export interface DirectLinksInit {
  node: RoomsubNode
  appID: number
  /** a frame (an envelope, or a body and Seals, or Seals) that the peer `source` (its id as `sourceBytes`) sent us on its link */
  receive: (frame: DirectFrame, source: string, sourceBytes: Uint8Array) => void
  /** `source` sent bytes on its link that are not a direct frame */
  malformed: (source: string) => void
  /** aborted at stop: links being opened give up */
  signal: AbortSignal
}

/** What a link carries for one room: a sealed frame, or an unsigned chat-message body with Seals of earlier ones, or Seals alone. */
export type DirectPayload = { envelope: Uint8Array } | { body: Uint8Array, seals?: Seal[] } | { seals: Seal[] }

/** A frame as a link carries it: length-prefixed, encoded once for every link it goes out on. */
export function encodeDirectFrame (roomID: string, payload: DirectPayload): Uint8Array {
  const body = encodeMessage(DirectFrame.codec(), { roomID, ...payload } as Partial<DirectFrame>)
  let prefix = 1
  while (body.byteLength >= 2 ** (7 * prefix)) prefix++
  const out = new Uint8Array(prefix + body.byteLength)
  let length = body.byteLength
  for (let i = 0; i < prefix; i++) {
    out[i] = (length & 0x7f) | (i < prefix - 1 ? 0x80 : 0)
    length >>>= 7
  }
  out.set(body, prefix)
  return out
}

/** A link's frame, decoded; throws unless it holds an envelope, or a body and any Seals, or Seals alone. */
export function decodeDirectFrame (bytes: Uint8Array): DirectFrame {
  const frame = DirectFrame.decode(bytes, { limits: { seals: MAX_SEALS_PER_FRAME } })
  const envelope = frame.envelope.byteLength > 0
  const body = frame.body.byteLength > 0
  if (envelope ? body || frame.seals.length > 0 : !body && frame.seals.length === 0) throw new Error('a direct frame holds an envelope, or a body and Seals, or Seals')
  return frame
}

/** The next whole frame's body in `buffer` (consumed), or undefined until more bytes come; throws on a bad length. */
export function nextDirectFrame (buffer: Uint8ArrayList): Uint8Array | undefined {
  let length = 0
  for (let i = 0; ; i++) {
    if (i === MAX_PREFIX_BYTES) throw new Error('length prefix too long')
    if (i >= buffer.byteLength) return undefined
    const byte = buffer.get(i)
    length += (byte & 0x7f) * 2 ** (7 * i)
    if (byte < 0x80) {
      if (length > MAX_DIRECT_FRAME_BYTES) throw new Error(`direct frame of ${length} bytes`)
      if (buffer.byteLength < i + 1 + length) return undefined
      const body = buffer.subarray(i + 1, i + 1 + length)
      buffer.consume(i + 1 + length)
      return body
    }
  }
}

export class DirectLinks {
  private readonly init: DirectLinksInit
  private readonly protocol: string
  private readonly links = new Map<string, Stream>()
  /** links peers opened to us: closed at stop, so an app's own node keeps no stream of ours */
  private readonly inbound = new Set<Stream>()
  /** links being opened, settled once open or given up */
  private readonly opening = new Map<string, Promise<void>>()
  private readonly retryAt = new Map<string, number>()
  private stopped = false

  constructor (init: DirectLinksInit) {
    this.init = init
    this.protocol = directProtocol(init.appID)
  }

  async start (): Promise<void> {
    await this.init.node.handle(this.protocol, this.onStream, { maxInboundStreams: MAX_INBOUND_LINKS })
  }

  async stop (): Promise<void> {
    this.stopped = true
    await this.init.node.unhandle(this.protocol).catch(() => {})
    for (const link of [...this.links.values(), ...this.inbound]) link.abort(new Error('roomsub stopped'))
    this.links.clear()
    this.inbound.clear()
  }

  /** Closes our links to peers not in `keep` (they share no room with us any more). */
  retain (keep: Set<string>): void {
    for (const [peer, link] of this.links) {
      if (keep.has(peer)) continue
      this.links.delete(peer)
      link.close().catch(err => { link.abort(err instanceof Error ? err : new Error(String(err))) })
    }
  }

  /** Whether a frame for `peer` can go out on its link now; if not, opens one for later frames. */
  ready (peer: string): boolean {
    const link = this.links.get(peer)
    if (link?.writeStatus === 'writable') return true
    this.open(peer)
    return false
  }

  /** Queues `wire` (from encodeDirectFrame) on `peer`'s link; false if it has none that takes it. */
  send (peer: string, wire: Uint8Array): boolean {
    const link = this.links.get(peer)
    if (link?.writeStatus !== 'writable') return false
    try {
      // false is backpressure, not loss: the bytes are queued (up to MAX_QUEUED_BYTES)
      link.send(wire)
      return true
    } catch (err) {
      log('link to %s broke: %e', peer, err)
      this.drop(peer, link)
      return false
    }
  }

  /**
   * Sends `wire` on `peer`'s link, first opening one (over a connection we
   * hold) if there is none; false if none opens within OPEN_TIMEOUT_MS.
   */
  async sendOpening (peer: string, wire: Uint8Array): Promise<boolean> {
    if (!this.ready(peer)) await this.opening.get(peer)
    return this.send(peer, wire)
  }

  private open (peer: string): void {
    if (this.stopped || this.opening.has(peer) || (this.retryAt.get(peer) ?? 0) > Date.now()) return
    let peerId
    try {
      peerId = peerIdFromString(peer)
    } catch {
      return
    }
    // only over a connection we hold: dialling members is the room's business (connectMembers)
    if (this.init.node.getConnections(peerId).length === 0) return
    const signal = AbortSignal.any([this.init.signal, AbortSignal.timeout(OPEN_TIMEOUT_MS)])
    const opened = this.init.node.dialProtocol(peerId, this.protocol, { signal })
      .then(link => {
        if (this.stopped) {
          link.abort(new Error('roomsub stopped'))
          return
        }
        link.maxWriteBufferLength = MAX_QUEUED_BYTES
        link.addEventListener('close', () => { this.drop(peer, link) }, { once: true })
        this.links.get(peer)?.abort(new Error('replaced'))
        this.links.set(peer, link)
        this.retryAt.delete(peer)
      }, err => {
        log('no link to %s: %e', peer, err)
        this.retryAt.delete(peer)
        this.retryAt.set(peer, Date.now() + RETRY_MS)
        if (this.retryAt.size > MAX_RETRIES_TRACKED) {
          const oldest = this.retryAt.keys().next().value
          if (oldest != null) this.retryAt.delete(oldest)
        }
      })
      .finally(() => { this.opening.delete(peer) })
    this.opening.set(peer, opened)
  }

  private drop (peer: string, link: Stream): void {
    if (this.links.get(peer) === link) this.links.delete(peer)
  }

  private readonly onStream = (stream: Stream, connection: Connection): void => {
    if (this.stopped) {
      stream.abort(new Error('roomsub stopped'))
      return
    }
    const source = connection.remotePeer.toString()
    const sourceBytes = connection.remotePeer.toMultihash().bytes
    const buffer = new Uint8ArrayList()
    this.inbound.add(stream)
    stream.addEventListener('close', () => { this.inbound.delete(stream) }, { once: true })
    // the sender closed its link (we share no room any more): nothing goes the other way, so close ours
    stream.addEventListener('remoteCloseWrite', () => { stream.close().catch(err => { stream.abort(err instanceof Error ? err : new Error(String(err))) }) }, { once: true })
    stream.addEventListener('message', (evt) => {
      buffer.append(evt.data)
      try {
        for (let body = nextDirectFrame(buffer); body != null; body = nextDirectFrame(buffer)) {
          this.init.receive(decodeDirectFrame(body), source, sourceBytes)
        }
      } catch (err) {
        log('bad direct frame from %s: %e', source, err)
        this.init.malformed(source)
        stream.abort(new Error('not a direct frame'))
      }
    })
  }
}
