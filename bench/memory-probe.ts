/**
 * One memory measurement in a process of its own, so nothing the harness did
 * before (other systems, garbage not yet collected, JIT) shows up in it.
 * Run by run.ts as `node --expose-gc memory-probe.js <system> <nodes>` or
 * `... rooms <count>`; prints one JSON line: bytes per node (or per room).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { createSystem, RoomsubSystem } from './systems.js'
import { memorySnapshot } from './measure.js'
import type { SystemName } from './systems.js'

/** lets meshes, routing tables and heartbeats reach their steady state before measuring */
const SETTLE_MS = 3000

async function perNode (name: SystemName, nodes: number): Promise<{ heap: number, rss: number }> {
  // two nodes up and down first, so code loaded on first use is not charged to the nodes
  const warm = createSystem(name)
  await warm.start(2)
  await warm.stop()
  const before = memorySnapshot()
  const system = createSystem(name)
  await system.start(nodes)
  await sleep(SETTLE_MS)
  const after = memorySnapshot()
  await system.stop()
  return { heap: (after.heap - before.heap) / nodes, rss: (after.rss - before.rss) / nodes }
}

async function perRoom (rooms: number): Promise<{ heap: number, rss: number }> {
  const single = new RoomsubSystem()
  const zim = await single.addPeer(0)
  await zim.createRoom({ roomID: 'warm-up', roomName: '' })
  const before = memorySnapshot()
  for (let i = 0; i < rooms; i++) await zim.createRoom({ roomID: `many-${i}`, roomName: '' })
  await sleep(SETTLE_MS)
  const after = memorySnapshot()
  await zim.destroy()
  return { heap: (after.heap - before.heap) / rooms, rss: (after.rss - before.rss) / rooms }
}

const [what, count] = [process.argv[2], Number(process.argv[3])]
const result = what === 'rooms' ? await perRoom(count) : await perNode(what as SystemName, count)
process.stdout.write(`${JSON.stringify(result)}\n`)
process.exit(0)
