import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import net from 'node:net'
import { describe, it, before, after } from 'node:test'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { createRoomsubNode } from '../src/node/create-node.js'
import { roomsubStreams } from '../src/index.js'
import { freshAppID, waitUntil } from './helpers.js'
import type { RoomsubNode } from '../src/node/create-node.js'
import type { Stream } from '@libp2p/interface'

const PROTOCOL = '/roomsub-test/sink/1.0.0'

/** Records the size of every socket.write (by the socket's local port) while `recording` is set. */
function recordSocketWrites (): { writes: Array<{ port: number, size: number }>, recording: boolean, restore: () => void } {
  const recorder = { writes: [] as Array<{ port: number, size: number }>, recording: false, restore: () => {} }
  const write = net.Socket.prototype.write
  net.Socket.prototype.write = function (this: net.Socket, ...args: Parameters<net.Socket['write']>): boolean {
    if (recorder.recording) recorder.writes.push({ port: this.localPort ?? 0, size: (args[0] as Uint8Array).byteLength })
    return write.apply(this, args)
  } as net.Socket['write']
  recorder.restore = () => { net.Socket.prototype.write = write }
  return recorder
}

/** A node as an app builds its own: its choice of transports, roomsub's streams spread in. */
async function appBuiltNode (): Promise<RoomsubNode> {
  const node = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], ...roomsubStreams() })
  return node as unknown as RoomsubNode
}

const builders: Array<[string, () => Promise<RoomsubNode>]> = [
  ['roomsub nodes', async () => createRoomsubNode({ appID: freshAppID(), listen: ['/ip4/127.0.0.1/tcp/0'] })],
  ['app-built nodes with roomsubStreams()', appBuiltNode]
]

for (const [name, build] of builders) {
  describe(`connections between ${name}`, () => {
    let sender: RoomsubNode
    let receiver: RoomsubNode
    const received: Uint8Array[] = []
    let receivedBytes = 0
    let onReceived: () => void = () => {}
    let stream: Stream

    before(async () => {
      sender = await build()
      receiver = await build()
      await receiver.handle(PROTOCOL, (incoming) => {
        incoming.addEventListener('message', (evt) => {
          const chunk = evt.data.subarray()
          received.push(chunk.slice())
          receivedBytes += chunk.byteLength
          onReceived()
        })
      })
      stream = await sender.dialProtocol(receiver.getMultiaddrs()[0], PROTOCOL)
    })
    after(async () => {
      await sender.stop()
      await receiver.stop()
    })

    it('write one socket write per small frame, and the receiver writes no window update back', async () => {
      const connection = sender.getConnections(receiver.peerId)[0]
      const receiverPort = Number(connection.remoteAddr.getComponents().find(c => c.name === 'tcp')?.value)
      const recorder = recordSocketWrites()
      const frames = 50
      try {
        recorder.recording = true
        const start = receivedBytes
        for (let i = 1; i <= frames; i++) {
          // one frame in flight at a time, so no two could share a write
          const arrived = new Promise<void>(resolve => { onReceived = () => { if (receivedBytes >= start + i * 100) resolve() } })
          stream.send(new Uint8Array(100).fill(i))
          await arrived
        }
        recorder.recording = false
      } finally {
        recorder.restore()
      }
      // the receiver's end of the connection is the socket on its listening port
      const bySender = recorder.writes.filter(w => w.port !== receiverPort).map(w => w.size)
      const byReceiver = recorder.writes.filter(w => w.port === receiverPort).map(w => w.size)
      // on the wire a frame is Noise's 2-byte length, yamux's 12-byte header, the 100 bytes and a 16-byte tag
      const frameWrites = bySender.filter(size => size === 2 + 12 + 100 + 16).length
      assert.equal(frameWrites, frames, `each frame went out in one write (sender's writes: ${bySender.join(' ')})`)
      assert.ok(!recorder.writes.some(w => w.size === 2), 'no length prefix was written on its own')
      // a header-only yamux frame (a window update) is 2 + 12 + 16 bytes: one per frame received
      // before; other protocols sharing the connection (identify, the DHT) open a few streams too
      const headerOnly = byReceiver.filter(size => size === 2 + 12 + 16).length
      assert.ok(headerOnly < frames / 4, `receiver sent ${headerOnly} header-only frames while receiving ${frames}`)
    })

    it('carry megabytes intact in both directions, past the yamux window many times over', async () => {
      const payload = new Uint8Array(3 * 1024 * 1024)
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 7919) & 0xff
      const digest = createHash('sha256').update(payload).digest('hex')
      received.length = 0
      const start = receivedBytes
      for (let offset = 0; offset < payload.length; offset += 60_000) {
        // send() says false when the window or the socket is full: wait for drain, as a writer must
        if (!stream.send(payload.subarray(offset, offset + 60_000))) await stream.onDrain()
      }
      await waitUntil('3 MiB arrived', () => receivedBytes >= start + payload.length, 20_000)
      const hash = createHash('sha256')
      for (const chunk of received) hash.update(chunk)
      assert.equal(hash.digest('hex'), digest, 'the bytes arrived in order and unchanged')

      // and back: the other end's streams are changed the same way
      const back: Uint8Array[] = []
      let backBytes = 0
      await sender.handle(`${PROTOCOL}/back`, (incoming) => {
        incoming.addEventListener('message', (evt) => {
          back.push(evt.data.subarray().slice())
          backBytes += evt.data.byteLength
        })
      })
      const reverse = await receiver.dialProtocol(sender.peerId, `${PROTOCOL}/back`)
      for (let offset = 0; offset < payload.length; offset += 100_000) {
        if (!reverse.send(payload.subarray(offset, offset + 100_000))) await reverse.onDrain()
      }
      await waitUntil('3 MiB arrived back', () => backBytes >= payload.length, 20_000)
      assert.equal(createHash('sha256').update(Buffer.concat(back)).digest('hex'), digest)
    })
  })
}
