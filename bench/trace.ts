/**
 * `npm run bench:trace`: where the time of one message goes, at 10 members
 * in one process. Times (performance.now(), relative to the send) the steps
 * of a few messages sent one at a time: ZIM's sendMessage, roomsub's
 * RoomManager.send, signing (EnvelopeCodec.seal), each write on a direct
 * link (DirectLinks.send), and at every receiver the frame coming off its
 * link (onLinkedFrame) and the ZIM event. Where links are not open yet the
 * message goes through gossipsub: its publish, each of its sends (sendRpc)
 * and handleReceivedMessage are marked too. The timing wraps the real
 * methods, so the figures include its own cost (a few µs a mark).
 * At the end, each step of a receiver after the first (warm: the first one
 * pays for cold caches) as a median over the messages: socket read to link
 * frame, decoding, the author lookup, the gate's checks, the ZIM message
 * (with its id), the event, history.
 *
 *   node build/bench/trace.js [members=10] [messages=5]
 */
import net from 'node:net'
import { performance } from 'node:perf_hooks'
import { EnvelopeCodec } from '../src/wire/envelope.js'
import { AuthorCache } from '../src/wire/keys.js'
import { Room } from '../src/rooms/room.js'
import { RoomManager } from '../src/rooms/room-manager.js'
import { DirectLinks } from '../src/rooms/direct-links.js'
import { RoomsubSystem } from './systems.js'
import { measureLatency } from './measure.js'

type Method = (...args: unknown[]) => unknown

let t0 = 0
let marks: Array<[string, number]> | undefined

function mark (what: string): void {
  marks?.push([what, performance.now() - t0])
}

/** Marks `before` when `name` is called and `after` when its promise (or value) settles. */
function wrap (proto: object, name: string, before: string, after?: string): void {
  const target = proto as Record<string, Method>
  const original = target[name]
  target[name] = function (this: unknown, ...args: unknown[]): unknown {
    mark(before)
    const result = original.apply(this, args)
    if (after != null) {
      if (result instanceof Promise) return result.finally(() => { mark(after) })
      mark(after)
    }
    return result
  }
}

wrap(RoomManager.prototype, 'send', 'roomsub send')
wrap(EnvelopeCodec.prototype, 'seal', 'seal', 'sealed')
// messages on links are signed after they are sent: the signature no longer comes before the first write
wrap(EnvelopeCodec.prototype, 'sign', 'sign', 'signed')
wrap(DirectLinks.prototype, 'send', 'link send')
// a private method: the trace reaches into the class on purpose
wrap(RoomManager.prototype, 'onLinkedFrame', 'link received')
wrap(EnvelopeCodec.prototype, 'openLater', 'decode', 'decoded')
// a bare message body, as links carry them
wrap(EnvelopeCodec.prototype, 'readUnsigned', 'decode', 'decoded')
wrap(AuthorCache.prototype, 'resolve', 'author', 'author found')
wrap(Room.prototype, 'applyMessage', 'checked')
wrap(Room.prototype, 'toZIMMessage', 'ZIM message', 'ZIM message made')
wrap(Room.prototype, 'keepMessage', 'keep', 'kept')
const socket = net.Socket.prototype as unknown as { emit: (this: net.Socket, event: string | symbol, ...args: unknown[]) => boolean }
const emit = socket.emit
socket.emit = function (event, ...args) {
  if (event === 'data') mark('socket read')
  return emit.call(this, event, ...args)
}

/** the gaps between marks of one receiver (from its socket read to the next), by step name */
const steps = new Map<string, number[]>()

function collectSteps (trace: Array<[string, number]>): void {
  const receivers: Array<Array<[string, number]>> = []
  for (const entry of trace) {
    if (entry[0] === 'socket read') receivers.push([entry])
    else receivers.at(-1)?.push(entry)
  }
  // the first read is the sender's link write arriving cold; later receivers show the warm cost
  for (const receiver of receivers.slice(2)) {
    for (let k = 1; k < receiver.length; k++) {
      const step = `${receiver[k - 1][0]} → ${receiver[k][0]}`
      steps.set(step, [...(steps.get(step) ?? []), receiver[k][1] - receiver[k - 1][1]])
    }
  }
}

const members = Number(process.argv[2] ?? 10)
const messages = Number(process.argv[3] ?? 5)
const system = new RoomsubSystem()
await system.start(members)
// gossipsub's class is not exported: every node's service shares its prototype
const gossipsub = Object.getPrototypeOf(system.peers[0].libp2p?.services.pubsub) as object
wrap(gossipsub, 'publish', 'publish', 'published')
wrap(gossipsub, 'sendRpc', 'sendRpc')
wrap(gossipsub, 'handleReceivedMessage', 'received')
// warm the code paths before timing them
await measureLatency(system, members, { messages: 50, rate: 20, size: 100 })
for (let i = 0; i < messages; i++) {
  await new Promise(resolve => setTimeout(resolve, 200))
  let delivered = 0
  let done: () => void = () => {}
  const all = new Promise<void>(resolve => { done = resolve })
  system.onMessage = () => {
    mark('delivered')
    if (++delivered === members - 1) done()
  }
  marks = []
  t0 = performance.now()
  mark('sendMessage')
  await system.send(i % members, 'x'.repeat(100))
  await all
  process.stdout.write(`${marks.map(([what, at]) => `${what} ${at.toFixed(3)}`).join(', ')}\n`)
  collectSteps(marks)
  marks = undefined
}
process.stdout.write('\neach step of a receiver after the first, median µs:\n')
for (const [step, times] of steps) {
  if (times.length < messages) continue
  times.sort((a, b) => a - b)
  process.stdout.write(`  ${step.padEnd(40)} ${(times[times.length >> 1] * 1000).toFixed(1)}\n`)
}
await system.stop()
process.exit(0)
