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
 *
 *   node build/bench/trace.js [members=10] [messages=5]
 */
import { performance } from 'node:perf_hooks'
import { EnvelopeCodec } from '../src/wire/envelope.js'
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
wrap(DirectLinks.prototype, 'send', 'link send')
// a private method: the trace reaches into the class on purpose
wrap(RoomManager.prototype, 'onLinkedFrame', 'link received')

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
  marks = undefined
}
await system.stop()
process.exit(0)
