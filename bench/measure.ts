/**
 * Workloads and statistics: one-way latency at a paced rate, a throughput
 * ramp, and percentile summaries. Payloads carry their id and send time
 * (performance.now(): every system runs in this one process, one clock).
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { until } from './systems.js'
import type { ChatSystem, RoomsubSystem } from './systems.js'
import type { ZIM } from '../src/index.js'

export interface Summary {
  count: number
  p50: number
  p99: number
  mean: number
}

export function summarize (samples: number[]): Summary {
  if (samples.length === 0) return { count: 0, p50: Number.NaN, p99: Number.NaN, mean: Number.NaN }
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), mean: sorted.reduce((s, x) => s + x, 0) / sorted.length }
}

export interface LatencyResult {
  latency: Summary
  /** deliveries expected (messages x receivers) and seen */
  expected: number
  delivered: number
  /** deliveries that came after the wait for them ended (not in `delivered`), and sends that failed */
  late: number
  failedSends: number
  duplicates: number
  /** process CPU time (user + system) per message sent, in ms */
  cpuPerMessage: number
  sentPerSecond: number
}

export interface LatencyOptions {
  messages: number
  /** aggregate send rate over all senders, messages per second */
  rate: number
  size: number
  /** wait this long after the last send for stragglers */
  drainMs?: number
}

function payload (id: number, size: number): string {
  return padded(`${id}|${performance.now().toFixed(4)}|`, size)
}

/** `head` filled up to `size` characters (a message of the benchmark's size) */
export function padded (head: string, size: number): string {
  return size > head.length ? head + 'x'.repeat(size - head.length) : head
}

/**
 * Waits (at most `timeout` ms) until the process is calm: under `share` of
 * one core over two 150 ms windows in a row. What an earlier run left
 * behind (frames still queued, validations and gossip catching up) must not
 * be charged to the next measurement.
 */
export async function settle (share = 0.3, timeout = 10_000): Promise<void> {
  const started = performance.now()
  let calm = 0
  while (calm < 2 && performance.now() - started < timeout) {
    const cpu = process.cpuUsage()
    const t0 = performance.now()
    await new Promise(resolve => setTimeout(resolve, 150))
    const used = process.cpuUsage(cpu)
    calm = (used.user + used.system) / 1000 / (performance.now() - t0) < share ? calm + 1 : 0
  }
}

/**
 * Sends `messages` messages round-robin from every member at `rate` per
 * second and measures send-to-receive latency at every other member.
 */
export async function measureLatency (system: ChatSystem, n: number, options: LatencyOptions): Promise<LatencyResult> {
  const samples: number[] = []
  const seen = new Set<string>()
  let duplicates = 0
  const expected = options.messages * (n - 1)
  let done: () => void = () => {}
  const allIn = new Promise<void>(resolve => { done = resolve })
  system.onMessage = (to, data) => {
    const now = performance.now()
    const bar = data.indexOf('|')
    const id = data.slice(0, bar)
    const key = `${to}:${id}`
    if (seen.has(key)) { duplicates++; return }
    seen.add(key)
    samples.push(now - Number(data.slice(bar + 1, data.indexOf('|', bar + 1))))
    if (samples.length === expected) done()
  }
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  const interval = 1000 / options.rate
  const sends: Array<Promise<void>> = []
  let failedSends = 0
  for (let i = 0; i < options.messages; i++) {
    const due = started + i * interval
    const wait = due - performance.now()
    if (wait > 1) await new Promise(resolve => setTimeout(resolve, wait))
    sends.push(system.send(i % n, payload(i, options.size)).catch(() => { failedSends++ }))
  }
  const sendTime = (performance.now() - started) / 1000
  await Promise.all(sends)
  await Promise.race([allIn, new Promise(resolve => setTimeout(resolve, options.drainMs ?? 3000).unref())])
  const cpu = process.cpuUsage(cpuBefore)
  // a run that did not deliver everything may have left a backlog: let it drain before the next one, and
  // count what comes meanwhile, so a short share tells late deliveries from lost ones
  const late = new Set<string>()
  if (samples.length < expected) {
    await quiet(system, (to, data) => {
      const key = `${to}:${data.slice(0, data.indexOf('|'))}`
      if (!seen.has(key)) late.add(key)
    })
  } else {
    system.onMessage = () => {}
  }
  return {
    latency: summarize(samples),
    expected,
    delivered: samples.length,
    late: late.size,
    failedSends,
    duplicates,
    cpuPerMessage: (cpu.user + cpu.system) / 1000 / options.messages,
    sentPerSecond: options.messages / Math.max(sendTime, 0.001)
  }
}

/**
 * Waits (at most 30 s) until no delivery has come for a second: a saturated
 * run leaves a backlog, which must not spill into the next measurement.
 */
async function quiet (system: ChatSystem, onDelivery: (to: number, data: string) => void = () => {}): Promise<void> {
  let last = performance.now()
  system.onMessage = (to, data) => {
    last = performance.now()
    onDelivery(to, data)
  }
  const started = performance.now()
  while (performance.now() - last < 1000 && performance.now() - started < 30_000) {
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  system.onMessage = () => {}
}

export interface ThroughputResult {
  /** highest aggregate send rate at which every delivery arrived with p99 under the lag bound */
  sustainedRate: number
  /** deliveries per second at that rate (rate x receivers) */
  deliveriesPerSecond: number
  steps: Array<{ rate: number, deliveredShare: number, p99: number }>
}

/** Ramps the aggregate send rate until delivery lags (a share missing, or p99 above `maxLagMs`). */
export async function measureThroughput (system: ChatSystem, n: number, options: { rates: number[], phaseMs: number, size: number, maxLagMs: number }): Promise<ThroughputResult> {
  const steps: ThroughputResult['steps'] = []
  let sustainedRate = 0
  for (const rate of options.rates) {
    // each step starts calm: the first one follows the under-load run, whose backlog it measured before
    await settle()
    const messages = Math.max(10, Math.round(rate * options.phaseMs / 1000))
    const result = await measureLatency(system, n, { messages, rate, size: options.size, drainMs: options.maxLagMs + 500 })
    const deliveredShare = result.delivered / result.expected
    steps.push({ rate, deliveredShare, p99: result.latency.p99 })
    // a rate counts only if the sender could keep it (the event loop was not the bottleneck)
    const kept = result.sentPerSecond >= rate * 0.9
    if (deliveredShare < 0.999 || result.latency.p99 > options.maxLagMs || !kept) break
    sustainedRate = rate
  }
  return { sustainedRate, deliveriesPerSecond: sustainedRate * (n - 1), steps }
}

export function memorySnapshot (): { heap: number, rss: number } {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  gc?.()
  const m = process.memoryUsage()
  return { heap: m.heapUsed, rss: m.rss }
}

export async function timed<T> (fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now()
  const value = await fn()
  return [performance.now() - t0, value]
}

/** a join not seen by every member within this many ms is logged with each member's time */
const SLOW_JOIN_MS = 150
/**
 * Times `count` joins of the bench room by the user `joiner(i)` gives: joinRoom until it resolves,
 * and until every member has reported roomMemberJoined; each joiner leaves, and every member sees it
 * go, before the next.
 */
export async function timeJoins (room: RoomsubSystem, members: number, count: number, joiner: (i: number) => Promise<{ zim: ZIM, userID: string, done: () => Promise<void> }>): Promise<{ joinRoom: Summary, seenByAll: Summary }> {
  const joinTimes: number[] = []
  const seenTimes: number[] = []
  for (let i = 0; i < count; i++) {
    const { zim, userID, done } = await joiner(i)
    const seen = new Map<number, number>()
    let allSeenAt = 0
    room.onJoined = (to, ids) => {
      if (!ids.includes(userID) || seen.has(to)) return
      seen.set(to, performance.now())
      if (seen.size === members) allSeenAt = performance.now()
    }
    const stalls = monitorEventLoopDelay({ resolution: 10 })
    stalls.enable()
    const t0 = performance.now()
    await zim.joinRoom('bench')
    joinTimes.push(performance.now() - t0)
    await until(() => allSeenAt > 0, 10_000)
    seenTimes.push(allSeenAt - t0)
    stalls.disable()
    if (allSeenAt - t0 > SLOW_JOIN_MS) {
      // the outliers the p99 is made of, with each member's time (one late member, or a late JOIN) and
      // the longest the process's event loop stalled meanwhile (a GC pause holds up every node at once)
      const each = [...seen.values()].map(at => at - t0).sort((a, b) => a - b).map(ms => ms.toFixed(0))
      process.stderr.write(`slow join ${i} of ${userID}: joinRoom ${joinTimes[i].toFixed(0)} ms, seen by the members after ${each.join(' ')} ms; ` +
        `the event loop stalled up to ${(stalls.max / 1e6).toFixed(0)} ms\n`)
    }
    const left = new Set<number>()
    room.onLeft = (to, ids) => { if (ids.includes(userID)) left.add(to) }
    await zim.leaveRoom('bench')
    await until(() => left.size === members, 10_000)
    await done()
  }
  return { joinRoom: summarize(joinTimes), seenByAll: summarize(seenTimes) }
}

/** a createRoom slower than this is logged, with the longest event-loop stall meanwhile */
const SLOW_CREATE_MS = 300
/** Times `count` createRoom calls by `zim` (registry check and record), each room left before the next. */
export async function timeCreates (zim: ZIM, count: number): Promise<Summary> {
  const times: number[] = []
  for (let i = 0; i < count; i++) {
    const stalls = monitorEventLoopDelay({ resolution: 10 })
    stalls.enable()
    const [ms] = await timed(async () => zim.createRoom({ roomID: `created-${i}`, roomName: '' }))
    stalls.disable()
    times.push(ms)
    if (ms > SLOW_CREATE_MS) process.stderr.write(`slow createRoom ${i}: ${ms.toFixed(0)} ms; the event loop stalled up to ${(stalls.max / 1e6).toFixed(0)} ms\n`)
    await zim.leaveRoom(`created-${i}`)
  }
  return summarize(times)
}

/** the first of the user numbers new joiners get (members are 0 to nodes - 1, stopped ones 100 up) */
const FIRST_JOINER = 1000

/** The joiners timeJoins takes for new users: each logged in through one member, not yet connected to the others, stopped after. */
export function newUsers (room: RoomsubSystem): (i: number) => Promise<{ zim: ZIM, userID: string, done: () => Promise<void> }> {
  return async (i) => {
    const zim = await room.addPeer(FIRST_JOINER + i)
    return { zim, userID: `user${FIRST_JOINER + i}`, done: async () => { await zim.destroy() } }
  }
}
