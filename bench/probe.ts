/**
 * One measurement in a process of its own, so nothing the harness did before
 * (other systems, garbage not yet collected, JIT, timers of stopped nodes)
 * shows up in it. Run by run.ts as
 *   node --expose-gc probe.js memory <system> <nodes> [settle ms]
 *   node --expose-gc probe.js rooms <count> [settle ms]
 *   node --expose-gc probe.js latency <system> <nodes> <rate> <messages> <size>
 *   node --expose-gc probe.js joins <nodes> <count>
 * and prints one JSON line: bytes per node (or per room), a latency result,
 * or joins timed as the harness times new users' (joinRoom, seen by all).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { createSystem, RoomsubSystem } from './systems.js'
import { measureLatency, memorySnapshot, newUsers, timeJoins } from './measure.js'
import type { LatencyResult, Summary } from './measure.js'
import type { SystemName } from './systems.js'

/** lets meshes, routing tables and heartbeats reach their steady state before measuring memory (shorter with --quick) */
const SETTLE_MS = 3000

async function perNode (name: SystemName, nodes: number, settleMs = SETTLE_MS): Promise<{ heap: number, rss: number }> {
  // two nodes up and down first, so code loaded on first use is not charged to the nodes
  const warm = createSystem(name)
  await warm.start(2)
  await warm.stop()
  const before = memorySnapshot()
  const system = createSystem(name)
  await system.start(nodes)
  await sleep(settleMs)
  const after = memorySnapshot()
  await system.stop()
  return { heap: (after.heap - before.heap) / nodes, rss: (after.rss - before.rss) / nodes }
}

async function perRoom (rooms: number, settleMs = SETTLE_MS): Promise<{ heap: number, rss: number }> {
  const single = new RoomsubSystem()
  const zim = await single.addPeer(0)
  await zim.createRoom({ roomID: 'warm-up', roomName: '' })
  const before = memorySnapshot()
  for (let i = 0; i < rooms; i++) await zim.createRoom({ roomID: `many-${i}`, roomName: '' })
  await sleep(settleMs)
  const after = memorySnapshot()
  await zim.destroy()
  return { heap: (after.heap - before.heap) / rooms, rss: (after.rss - before.rss) / rooms }
}

/** `nodes` members in one room of this process: the low-rate latency run, after a short warm-up. */
async function latency (name: SystemName, nodes: number, rate: number, messages: number, size: number): Promise<LatencyResult & { startMs: number }> {
  const system = createSystem(name)
  const t0 = Date.now()
  await system.start(nodes)
  const startMs = Date.now() - t0
  try {
    await measureLatency(system, nodes, { messages: Math.max(5, Math.floor(messages / 10)), rate, size })
    return { ...await measureLatency(system, nodes, { messages, rate, size }), startMs }
  } finally {
    await system.stop()
  }
}

/** `count` new users, one after another, each logged in through one member of a room of `nodes - 1` and joining it. */
async function joins (nodes: number, count: number): Promise<{ joinRoom: Summary, seenByAll: Summary }> {
  const room = new RoomsubSystem({ heartbeatInterval: 1000 })
  await room.start(nodes - 1)
  try {
    return await timeJoins(room, room.peers.length, count, newUsers(room))
  } finally {
    await room.stop()
  }
}

const [what, ...args] = process.argv.slice(2)
const num = (i: number): number => Number(args[i])
const result = what === 'rooms'
  ? await perRoom(num(0), args[1] != null ? num(1) : undefined)
  : what === 'latency'
    ? await latency(args[0] as SystemName, num(1), num(2), num(3), num(4))
    : what === 'joins'
      ? await joins(num(0), num(1))
      : await perNode(args[0] as SystemName, num(1), args[2] != null ? num(2) : undefined)
process.stdout.write(`${JSON.stringify(result)}\n`)
process.exit(0)
