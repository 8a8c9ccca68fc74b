/**
 * `npm run bench`: the same chat workload on roomsub, raw gossipsub and a
 * socket.io hub, in one process and one run, so the ratios compare like with
 * like. Prints a table and writes it to bench/results/latest.txt, with
 * latest.json and an SVG chart.
 * Then the floor under roomsub's message path, plain libp2p streams on the
 * same stack, at the same two rates: what is left over it is roomsub's own.
 * Last, the low-rate latency again with one member per process, as users
 * run a room (bench/processes.ts).
 *
 *   --nodes N      members in the room (default 10)
 *   --size B       message size in bytes (default 100)
 *   --rate R       low-rate aggregate send rate, messages/s (default 20)
 *   --load-rate R  under-load aggregate send rate, messages/s (default 200; 100 with --quick)
 *   --messages M   messages per latency run (default 300)
 *   --phase MS     length of one throughput ramp step (default 2000)
 *   --out DIR      results folder (default bench/results)
 *   --quick        a smaller run that finishes in under a minute
 *   --table FILE   prints the table of an earlier run's latest.json, runs nothing
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { RoomsubSystem, RoomsubWithStateSystem, SocketIOSystem, createSystem, until, BENCH_ROOMSUB_CONFIG } from './systems.js'
import { measureLatency, measureThroughput, newUsers, summarize, timeCreates, timeJoins } from './measure.js'
import { latencyChart } from './chart.js'
import { measureAcrossProcesses } from './processes.js'
import type { LatencyResult, Summary, ThroughputResult } from './measure.js'
import type { SystemName } from './systems.js'

const SYSTEMS: SystemName[] = ['roomsub', 'gossipsub', 'socket.io']

interface Options {
  nodes: number
  size: number
  rate: number
  loadRate: number
  messages: number
  phase: number
  out: string
  quick: boolean
  scaling: number[]
  memorySizes: number[]
  rooms: number
  rates: number[]
  /** joins and createRooms timed: a p99 needs 100 samples (below that it is the slowest one) */
  repeats: number
  /**
   * members stopped (connections close), one after another; half as many fall silent (a heartbeat
   * bound of about 4 s each). Each member's report is a sample: 9 per departure at 10 members
   */
  departures: number
  /** how long a memory probe lets its nodes settle before it measures */
  settleMs: number
  /** members (one per process) and messages of the run across processes */
  processMembers: number
  processMessages: number
}

function parseOptions (argv: string[]): Options {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const num = (name: string, fallback: number): number => {
    const v = get(name)
    if (v == null) return fallback
    const n = Number(v)
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} takes a positive number, got ${v}`)
    return n
  }
  const quick = argv.includes('--quick')
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
  return {
    quick,
    nodes: num('nodes', quick ? 5 : 10),
    size: num('size', 100),
    rate: num('rate', quick ? 40 : 20),
    loadRate: num('load-rate', quick ? 100 : 200),
    messages: num('messages', quick ? 60 : 300),
    phase: num('phase', quick ? 500 : 2000),
    out: get('out') ?? join(root, 'bench/results'),
    scaling: quick ? [4] : [2, 5, 10, 25, 50],
    memorySizes: quick ? [5] : [10, 50],
    rooms: quick ? 20 : 100,
    rates: quick ? [100, 400] : [50, 100, 200, 400, 800, 1600, 3200],
    repeats: quick ? 3 : 100,
    departures: quick ? 2 : 10,
    settleMs: quick ? 500 : 3000,
    processMembers: quick ? 3 : num('nodes', 10),
    processMessages: quick ? 30 : num('messages', 300)
  }
}

type PerSystem<T> = Partial<Record<SystemName, T>>

interface Results {
  options: Options
  node: string
  date: string
  lowRate: PerSystem<LatencyResult>
  underLoad: PerSystem<LatencyResult>
  /** plain libp2p streams on roomsub's stack (StreamsSystem): the floor under roomsub's message path */
  floor: { lowRate?: LatencyResult, underLoad?: LatencyResult }
  throughput: PerSystem<ThroughputResult>
  /** roomsub: a new user joining; roomsubRejoin: one user leaving and joining again */
  join: { roomsub: { joinRoom: Summary, seenByAll: Summary }, roomsubRejoin: { joinRoom: Summary, seenByAll: Summary }, socketio: { join: Summary, seenByAll: Summary } }
  createRoom: Summary
  /** per departure, the time until every member reported it (the summary's own figures), and each member's report */
  departure: { roomsubStopped: Departures, roomsubSilent: Departures, socketioClosed: Departures }
  memory: Array<{ system: SystemName, nodes: number, heapPerNode: number, rssPerNode: number, error?: string }>
  roomsMemory: { rooms: number, heapPerRoom: number, rssPerRoom: number }
  scaling: Array<{ system: SystemName, nodes: number, rate: number, p50: number, p99: number, cpuPerMessage: number, delivered: number, late?: number, failedSends?: number, startMs: number, error?: string }>
  /** the low-rate latency with every member (and the hub's server) in a process of its own */
  processes: PerSystem<LatencyResult & { startMs: number, error?: string }>
  /** roomsub's message path in a plain room and in a room full of attributes with history kept, side by side: medians over rounds */
  featureCost: { rounds: number, plain: FeatureCost, withState: FeatureCost }
}

interface FeatureCost { p50: number, p99: number, cpuPerMessage: number }

type Departures = Summary & { trials: number, eachMember: Summary }

function median (xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor(sorted.length / 2)]
}

function log (line: string): void {
  process.stderr.write(`${line}\n`)
}

async function messageRuns (o: Options, results: Results): Promise<void> {
  for (const name of SYSTEMS) {
    const system = createSystem(name)
    log(`${name}: starting ${o.nodes} members`)
    await system.start(o.nodes)
    // warm up paths, JIT and meshes before measuring
    await measureLatency(system, o.nodes, { messages: o.quick ? 20 : 50, rate: o.rate, size: o.size })
    results.lowRate[name] = await measureLatency(system, o.nodes, { messages: o.messages, rate: o.rate, size: o.size })
    results.underLoad[name] = await measureLatency(system, o.nodes, { messages: o.messages * 2, rate: o.loadRate, size: o.size })
    results.throughput[name] = await measureThroughput(system, o.nodes, { rates: o.rates, phaseMs: o.phase, size: o.size, maxLagMs: 1000 })
    await system.stop()
  }
  const floor = createSystem('streams')
  log(`floor (plain libp2p streams): starting ${o.nodes} nodes`)
  await floor.start(o.nodes)
  await measureLatency(floor, o.nodes, { messages: o.quick ? 20 : 50, rate: o.rate, size: o.size })
  results.floor.lowRate = await measureLatency(floor, o.nodes, { messages: o.messages, rate: o.rate, size: o.size })
  results.floor.underLoad = await measureLatency(floor, o.nodes, { messages: o.messages * 2, rate: o.loadRate, size: o.size })
  await floor.stop()
}

/** Heartbeat of the departure runs: a silent member is reported after 3 of them. */
const DEPARTURE_HEARTBEAT_MS = 1000

async function membershipRuns (o: Options, results: Results): Promise<void> {
  const room = new RoomsubSystem({ heartbeatInterval: DEPARTURE_HEARTBEAT_MS })
  await room.start(o.nodes - 1)
  const members = room.peers.length
  // joinRoom latency, and the time until every member has seen roomMemberJoined: one user leaving and
  // joining again, then a new user each time (logged in through one member, not yet connected to the
  // others). The new users leave the room and stop: what they leave in the others' DHT routing tables
  // slows the registry down, so createRoom is timed between the two, in a network of the room alone
  const newcomer = await room.addPeer(o.nodes - 1)
  results.join.roomsubRejoin = await timeJoins(room, members, o.repeats, async () => {
    // a user's JOIN and LEAVE count against the announcement rate every member's gate holds each author
    // to (10 a second after a burst of 64): back to back, 100 rejoins are a flood, and get refused
    await sleep(REJOIN_SPACING_MS)
    return { zim: newcomer, userID: `user${o.nodes - 1}`, done: async () => {} }
  })

  results.createRoom = await timeCreates(newcomer, o.repeats)
  await newcomer.destroy()

  results.join.roomsub = await timeJoins(room, members, o.repeats, newUsers(room))

  // a member whose node stops (connections close), and one that falls silent (SIGSTOP: nothing closes):
  // each member's report is a sample, and the time until the last member's
  const stopped = new DepartureTimes()
  for (let i = 0; i < o.departures; i++) {
    const victim = await room.addPeer(100 + i)
    await victim.joinRoom('bench')
    const t0 = performance.now()
    room.onLeft = (to, ids) => { if (ids.includes(`user${100 + i}`)) stopped.seen(to, performance.now() - t0) }
    await victim.libp2p?.stop()
    await until(() => stopped.trialSeenBy() === members, 30_000)
    stopped.endTrial()
    await victim.destroy()
  }
  const silent = new DepartureTimes()
  for (let i = 0; i < Math.max(1, Math.round(o.departures / 2)); i++) await silentDeparture(room, members, `sleeper${i}`, silent)
  results.departure.roomsubStopped = stopped.summary()
  results.departure.roomsubSilent = silent.summary()
  await room.stop()

  // socket.io equivalents: join acknowledged, join seen by every other client, a closed client seen gone
  const hub = new SocketIOSystem()
  await hub.start(o.nodes - 1)
  const sioJoin: number[] = []
  const sioSeen: number[] = []
  const sioClosed = new DepartureTimes()
  for (let i = 0; i < o.repeats; i++) {
    const seen = new Set<number>()
    let allSeenAt = 0
    hub.onJoined = (to, id) => { if (id === `late${i}`) { seen.add(to); if (seen.size === o.nodes - 1) allSeenAt = performance.now() } }
    const client = await hub.addClient(1000 + i)
    const t0 = performance.now()
    await hub.join(client, `late${i}`)
    sioJoin.push(performance.now() - t0)
    await until(() => allSeenAt > 0, 10_000)
    sioSeen.push(allSeenAt - t0)
    const t1 = performance.now()
    hub.onLeft = (to, id) => { if (id === `late${i}`) sioClosed.seen(to, performance.now() - t1) }
    client.io.engine.close()
    await until(() => sioClosed.trialSeenBy() === o.nodes - 1, 30_000)
    sioClosed.endTrial()
  }
  results.join.socketio = { join: summarize(sioJoin), seenByAll: summarize(sioSeen) }
  results.departure.socketioClosed = sioClosed.summary()
  await hub.stop()
}

/** a rejoining user's JOIN and LEAVE, two announcements, at most every this many ms: 8 a second */
const REJOIN_SPACING_MS = 250

/** Spawns a roomsub peer process as `userID`, lets it join, SIGSTOPs it and times each member's report that it left. */
async function silentDeparture (room: RoomsubSystem, members: number, userID: string, times: DepartureTimes): Promise<void> {
  const script = fileURLToPath(new URL('../test/fixtures/peer-process.js', import.meta.url))
  const config = { appID: room.appID, ...BENCH_ROOMSUB_CONFIG, heartbeatInterval: DEPARTURE_HEARTBEAT_MS, bootstrap: room.bootstrapAddr() }
  const child = spawn(process.execPath, [script, JSON.stringify(config), userID, 'bench'], { stdio: ['pipe', 'pipe', 'inherit'] })
  try {
    const joined = new Set<number>()
    room.onJoined = (to, ids) => { if (ids.includes(userID)) joined.add(to) }
    await until(() => joined.size === members, 20_000)
    const t0 = performance.now()
    room.onLeft = (to, ids) => { if (ids.includes(userID)) times.seen(to, performance.now() - t0) }
    child.kill('SIGSTOP')
    await until(() => times.trialSeenBy() === members, 60_000)
    times.endTrial()
  } finally {
    child.kill('SIGKILL')
  }
}

/**
 * When members saw departures: per trial, each member's first report (ms
 * after the departure) and the time until the last member's.
 */
class DepartureTimes {
  private readonly each: number[] = []
  private readonly all: number[] = []
  private trial = new Map<number, number>()

  seen (member: number, ms: number): void {
    if (!this.trial.has(member)) this.trial.set(member, ms)
  }

  trialSeenBy (): number {
    return this.trial.size
  }

  endTrial (): void {
    const times = [...this.trial.values()]
    this.each.push(...times)
    this.all.push(Math.max(...times))
    this.trial = new Map()
  }

  summary (): Departures {
    return { ...summarize(this.all), trials: this.all.length, eachMember: summarize(this.each) }
  }
}

/** Runs bench/probe.js in a fresh process: one system at one size, nothing else in the heap or on the event loop. */
async function probe<T> (args: string[]): Promise<T> {
  const script = fileURLToPath(new URL('./probe.js', import.meta.url))
  const child = spawn(process.execPath, ['--expose-gc', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
  const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS)
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  clearTimeout(timer)
  if (code !== 0) throw new Error(`probe ${args.join(' ')} exited with ${code}`)
  return JSON.parse(out) as T
}

const PROBE_TIMEOUT_MS = 600_000

async function memoryRuns (o: Options, results: Results): Promise<void> {
  for (const nodes of o.memorySizes) {
    for (const name of SYSTEMS) {
      try {
        const m = await probe<{ heap: number, rss: number }>(['memory', name, String(nodes), String(o.settleMs)])
        results.memory.push({ system: name, nodes, heapPerNode: m.heap, rssPerNode: m.rss })
        log(`memory: ${name} at ${nodes} nodes: ${mb(m.heap)} heap, ${mb(m.rss)} rss per node`)
      } catch (err) {
        // reported, not hidden: the table says which size failed and why
        results.memory.push({ system: name, nodes, heapPerNode: Number.NaN, rssPerNode: Number.NaN, error: String(err) })
        log(`memory: ${name} at ${nodes} nodes failed: ${String(err)}`)
      }
    }
  }
  const m = await probe<{ heap: number, rss: number }>(['rooms', String(o.rooms), String(o.settleMs)])
  results.roomsMemory = { rooms: o.rooms, heapPerRoom: m.heap, rssPerRoom: m.rss }
}

/**
 * What attributes and history cost a message: two rooms of the same size
 * live at once, one plain (no history kept), one with every attribute ZIM
 * allows and a full history window (the default 200); rounds of the low-rate
 * latency run alternate between them (the order flips each round), so both
 * see the same machine. Figures are medians of the per-round figures.
 */
async function featureCostRuns (o: Options, results: Results): Promise<void> {
  const plain = new RoomsubSystem({ historyLimit: 0 })
  const withState = new RoomsubWithStateSystem()
  try {
    await plain.start(o.nodes)
    await withState.start(o.nodes)
    const rounds = o.quick ? 2 : 6
    const messages = Math.max(20, Math.floor(o.messages / 2))
    const figures: Record<'plain' | 'withState', FeatureCost[]> = { plain: [], withState: [] }
    for (const system of [plain, withState]) await measureLatency(system, o.nodes, { messages: 20, rate: o.rate, size: o.size })
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['plain', 'withState'] as const : ['withState', 'plain'] as const
      for (const which of order) {
        const r = await measureLatency(which === 'plain' ? plain : withState, o.nodes, { messages, rate: o.rate, size: o.size })
        figures[which].push({ p50: r.latency.p50, p99: r.latency.p99, cpuPerMessage: r.cpuPerMessage })
      }
    }
    const med = (xs: FeatureCost[]): FeatureCost => ({ p50: median(xs.map(x => x.p50)), p99: median(xs.map(x => x.p99)), cpuPerMessage: median(xs.map(x => x.cpuPerMessage)) })
    results.featureCost = { rounds, plain: med(figures.plain), withState: med(figures.withState) }
    log(`feature cost: plain p50 ${fmt(results.featureCost.plain.p50)} ms, with attributes and history ${fmt(results.featureCost.withState.p50)} ms`)
  } finally {
    await plain.stop()
    await withState.stop()
  }
}

/**
 * How latency and CPU per message grow with the room: each system at each
 * size in a fresh process (one event loop carries the whole room). The send
 * rate shrinks as the room grows so that deliveries per second stay those of
 * a 10-member room at --rate: the figures show the cost of the path, not a
 * queue on two cores.
 */
async function scalingRuns (o: Options, results: Results): Promise<void> {
  for (const nodes of o.scaling) {
    const rate = scalingRate(o.rate, nodes)
    for (const name of SYSTEMS) {
      try {
        const messages = o.quick ? 40 : Math.min(o.messages, 200)
        const r = await probe<LatencyResult & { startMs: number }>(['latency', name, String(nodes), String(rate), String(messages), String(o.size)])
        results.scaling.push({ system: name, nodes, rate, p50: r.latency.p50, p99: r.latency.p99, cpuPerMessage: r.cpuPerMessage, delivered: r.delivered / r.expected, late: r.late, failedSends: r.failedSends, startMs: r.startMs })
        const short = r.delivered < r.expected ? ` (${r.expected - r.delivered} of ${r.expected} missing: ${r.late} came later, ${r.failedSends} sends failed)` : ''
        log(`scaling: ${name} at ${nodes} nodes, ${fmt(rate, 1)} msgs/s: p50 ${fmt(r.latency.p50)} ms, ${fmt(100 * r.delivered / r.expected, 1)}% delivered${short}, started in ${r.startMs} ms`)
      } catch (err) {
        results.scaling.push({ system: name, nodes, rate, p50: Number.NaN, p99: Number.NaN, cpuPerMessage: Number.NaN, delivered: Number.NaN, startMs: Number.NaN, error: String(err) })
        log(`scaling: ${name} at ${nodes} nodes failed: ${String(err)}`)
      }
    }
  }
}

/**
 * The low-rate latency run with one member per process: each member works on
 * its own event loop and a hop wakes another process, as among users' machines
 * (here two cores run two processes at a time).
 */
async function processRuns (o: Options, results: Results): Promise<void> {
  for (const name of SYSTEMS) {
    try {
      results.processes[name] = await measureAcrossProcesses(name, o.processMembers, { messages: o.processMessages, rate: o.rate, size: o.size })
      const r = results.processes[name]
      log(`processes: ${name}, ${o.processMembers} members in ${o.processMembers} processes: p50 ${fmt(r.latency.p50)} ms, p99 ${fmt(r.latency.p99)} ms, ${r.delivered} of ${r.expected} delivered, started in ${fmt(r.startMs, 0)} ms`)
    } catch (err) {
      results.processes[name] = { latency: summarize([]), expected: 0, delivered: 0, late: 0, failedSends: 0, duplicates: 0, cpuPerMessage: Number.NaN, sentPerSecond: 0, startMs: Number.NaN, error: String(err) }
      log(`processes: ${name} failed: ${String(err)}`)
    }
  }
}

/** deliveries per second of a 10-member room at `rate`, spread over `nodes - 1` receivers */
function scalingRate (rate: number, nodes: number): number {
  return Math.min(rate, rate * 9 / Math.max(1, nodes - 1))
}

const fmt = (x: number, digits = 2): string => Number.isFinite(x) ? x.toFixed(digits) : 'n/a'
const ratio = (a: number, b: number): string => Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a'
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`

function table (r: Results): string {
  const lines: string[] = []
  const row = (...cells: string[]): void => { lines.push(cells.map((c, i) => i === 0 ? c.padEnd(34) : c.padStart(14)).join('')) }
  lines.push(`roomsub benchmark: ${r.options.nodes} members, ${r.options.size}-byte messages, ${r.node}, ${r.date}`)
  row('', 'roomsub', 'gossipsub', 'socket.io', 'vs gossipsub', 'vs socket.io')
  const lat = (label: string, pick: (x: LatencyResult) => number, set: PerSystem<LatencyResult>): void => {
    const v = SYSTEMS.map(s => set[s] != null ? pick(set[s]) : Number.NaN)
    row(label, fmt(v[0]), fmt(v[1]), fmt(v[2]), ratio(v[0], v[1]), ratio(v[0], v[2]))
  }
  lat(`latency p50 ms @${r.options.rate}/s`, x => x.latency.p50, r.lowRate)
  lat(`latency p99 ms @${r.options.rate}/s`, x => x.latency.p99, r.lowRate)
  lat(`latency p50 ms @${r.options.loadRate}/s`, x => x.latency.p50, r.underLoad)
  lat(`latency p99 ms @${r.options.loadRate}/s`, x => x.latency.p99, r.underLoad)
  lat('CPU ms per message (low rate)', x => x.cpuPerMessage, r.lowRate)
  lat('delivered share (low rate)', x => x.delivered / x.expected, r.lowRate)
  const tp = SYSTEMS.map(s => r.throughput[s]?.sustainedRate ?? Number.NaN)
  row('sustained msgs/s sent', fmt(tp[0], 0), fmt(tp[1], 0), fmt(tp[2], 0), ratio(tp[0], tp[1]), ratio(tp[0], tp[2]))
  const dl = SYSTEMS.map(s => r.throughput[s]?.deliveriesPerSecond ?? Number.NaN)
  row('sustained deliveries/s', fmt(dl[0], 0), fmt(dl[1], 0), fmt(dl[2], 0), ratio(dl[0], dl[1]), ratio(dl[0], dl[2]))
  row('join resolved ms p50 / p99', `${fmt(r.join.roomsub.joinRoom.p50)} / ${fmt(r.join.roomsub.joinRoom.p99)}`, 'n/a', `${fmt(r.join.socketio.join.p50)} / ${fmt(r.join.socketio.join.p99)}`, '', ratio(r.join.roomsub.joinRoom.p50, r.join.socketio.join.p50))
  row('join seen by all ms p50 / p99', `${fmt(r.join.roomsub.seenByAll.p50)} / ${fmt(r.join.roomsub.seenByAll.p99)}`, 'n/a', `${fmt(r.join.socketio.seenByAll.p50)} / ${fmt(r.join.socketio.seenByAll.p99)}`, '', ratio(r.join.roomsub.seenByAll.p99, r.join.socketio.seenByAll.p99))
  row('  rejoin resolved ms p50 / p99', `${fmt(r.join.roomsubRejoin.joinRoom.p50)} / ${fmt(r.join.roomsubRejoin.joinRoom.p99)}`, 'n/a', 'n/a')
  row('  rejoin seen by all ms p50 / p99', `${fmt(r.join.roomsubRejoin.seenByAll.p50)} / ${fmt(r.join.roomsubRejoin.seenByAll.p99)}`, 'n/a', 'n/a')
  row('createRoom ms p50 / p99', `${fmt(r.createRoom.p50)} / ${fmt(r.createRoom.p99)}`, 'n/a', 'n/a')
  // each member's report of a departure, then the time until the last member's
  const stopped = r.departure.roomsubStopped
  const silent = r.departure.roomsubSilent
  const closed = r.departure.socketioClosed
  const pair = (s: Summary): string => `${fmt(s.p50)} / ${fmt(s.p99)}`
  row('stopped member left ms p50 / p99', pair(stopped.eachMember), 'n/a', pair(closed.eachMember), '', ratio(stopped.eachMember.p50, closed.eachMember.p50))
  row(`  seen by all (${stopped.trials} / ${closed.trials} left)`, pair(stopped), 'n/a', pair(closed), '', ratio(stopped.p50, closed.p50))
  row('silent member left ms p50 / p99', pair(silent.eachMember), 'n/a', 'n/a')
  row(`  seen by all (${silent.trials} fell silent)`, pair(silent), 'n/a', 'n/a')
  for (const m of r.memory.filter(x => x.system === 'roomsub')) {
    const g = r.memory.find(x => x.system === 'gossipsub' && x.nodes === m.nodes)
    const s = r.memory.find(x => x.system === 'socket.io' && x.nodes === m.nodes)
    row(`heap per node @${m.nodes}${m.error != null ? ' (roomsub failed)' : ''}`, mb(m.heapPerNode), mb(g?.heapPerNode ?? Number.NaN), mb(s?.heapPerNode ?? Number.NaN), ratio(m.heapPerNode, g?.heapPerNode ?? Number.NaN), ratio(m.heapPerNode, s?.heapPerNode ?? Number.NaN))
    row(`rss per node @${m.nodes}`, mb(m.rssPerNode), mb(g?.rssPerNode ?? Number.NaN), mb(s?.rssPerNode ?? Number.NaN), ratio(m.rssPerNode, g?.rssPerNode ?? Number.NaN), ratio(m.rssPerNode, s?.rssPerNode ?? Number.NaN))
  }
  const fc = r.featureCost
  row('attributes + history vs plain room', 'plain', 'full', '', 'ratio')
  row('  latency p50 / p99 ms', `${fmt(fc.plain.p50)} / ${fmt(fc.plain.p99)}`, `${fmt(fc.withState.p50)} / ${fmt(fc.withState.p99)}`, '', `${ratio(fc.withState.p50, fc.plain.p50)} / ${ratio(fc.withState.p99, fc.plain.p99)}`)
  row('  CPU ms per message', fmt(fc.plain.cpuPerMessage), fmt(fc.withState.cpuPerMessage), '', ratio(fc.withState.cpuPerMessage, fc.plain.cpuPerMessage))
  row(`heap / rss per room (${r.roomsMemory.rooms} rooms, 1 node)`, `${(r.roomsMemory.heapPerRoom / 1024).toFixed(1)} KiB`, `${(r.roomsMemory.rssPerRoom / 1024).toFixed(1)} KiB`)
  lines.push('')
  lines.push('floor: plain libp2p streams on roomsub\'s stack (TCP, Noise, yamux), each message written to every other node, nothing else')
  const floor = (rate: number, set: LatencyResult | undefined, roomsub: LatencyResult | undefined, hub: LatencyResult | undefined): void => {
    const p50 = set?.latency.p50 ?? Number.NaN
    lines.push(`  @${rate}/s: p50 ${fmt(p50)} ms, p99 ${fmt(set?.latency.p99 ?? Number.NaN)} ms; roomsub's p50 is ${ratio(roomsub?.latency.p50 ?? Number.NaN, p50)} the floor's, the floor's ${ratio(p50, hub?.latency.p50 ?? Number.NaN)} socket.io's`)
  }
  floor(r.options.rate, r.floor.lowRate, r.lowRate.roomsub, r.lowRate['socket.io'])
  floor(r.options.loadRate, r.floor.underLoad, r.underLoad.roomsub, r.underLoad['socket.io'])
  lines.push('')
  lines.push(`one member per process (${r.options.processMembers} processes, the hub's server in one more), @${r.options.rate}/s`)
  row('', 'roomsub', 'gossipsub', 'socket.io', 'vs gossipsub', 'vs socket.io')
  lat('  latency p50 ms', x => x.latency.p50, r.processes)
  lat('  latency p99 ms', x => x.latency.p99, r.processes)
  lat('  CPU ms per message, all processes', x => x.cpuPerMessage, r.processes)
  lat('  delivered share', x => x.delivered / x.expected, r.processes)
  lines.push('')
  lines.push('scaling (each in a fresh process, deliveries/s held at a 10-member room\'s): p50 / p99 ms, CPU ms per message')
  for (const nodes of r.options.scaling) {
    const cells = SYSTEMS.map(s => {
      const x = r.scaling.find(y => y.system === s && y.nodes === nodes)
      return x == null ? 'n/a' : x.error != null ? 'failed' : `${fmt(x.p50)} / ${fmt(x.p99)}, ${fmt(x.cpuPerMessage)}`
    })
    lines.push(`  ${String(nodes).padStart(3)} nodes @${fmt(scalingRate(r.options.rate, nodes), 1)}/s   ${SYSTEMS.map((s, i) => `${s}: ${cells[i]}`).join('   ')}`)
  }
  return lines.join('\n')
}

async function main (): Promise<void> {
  const earlier = process.argv.indexOf('--table')
  if (earlier >= 0) {
    process.stdout.write(table(JSON.parse(readFileSync(process.argv[earlier + 1], 'utf8')) as Results) + '\n')
    return
  }
  const o = parseOptions(process.argv.slice(2))
  const results: Results = {
    options: o,
    node: process.version,
    date: new Date().toISOString(),
    lowRate: {},
    underLoad: {},
    floor: {},
    throughput: {},
    join: { roomsub: { joinRoom: summarize([]), seenByAll: summarize([]) }, roomsubRejoin: { joinRoom: summarize([]), seenByAll: summarize([]) }, socketio: { join: summarize([]), seenByAll: summarize([]) } },
    createRoom: summarize([]),
    departure: { roomsubStopped: new DepartureTimes().summary(), roomsubSilent: new DepartureTimes().summary(), socketioClosed: new DepartureTimes().summary() },
    memory: [],
    roomsMemory: { rooms: 0, heapPerRoom: Number.NaN, rssPerRoom: Number.NaN },
    scaling: [],
    processes: {},
    featureCost: { rounds: 0, plain: { p50: Number.NaN, p99: Number.NaN, cpuPerMessage: Number.NaN }, withState: { p50: Number.NaN, p99: Number.NaN, cpuPerMessage: Number.NaN } }
  }
  const t0 = performance.now()
  if ((globalThis as { gc?: unknown }).gc == null) log('note: run with --expose-gc for steadier memory figures (npm run bench does)')
  log('messages: latency and throughput'); await messageRuns(o, results)
  log('feature cost: attributes and history on the message path'); await featureCostRuns(o, results)
  log('membership: join, create, departures'); await membershipRuns(o, results)
  log('memory'); await memoryRuns(o, results)
  log('scaling'); await scalingRuns(o, results)
  log('one member per process'); await processRuns(o, results)
  mkdirSync(o.out, { recursive: true })
  writeFileSync(join(o.out, 'latest.json'), JSON.stringify(results, null, 2))
  writeFileSync(join(o.out, 'latency.svg'), latencyChart(results.scaling, SYSTEMS))
  const text = table(results) + '\n'
  writeFileSync(join(o.out, 'latest.txt'), text)
  process.stdout.write(text)
  log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s; results in ${o.out}`)
}

await main()
