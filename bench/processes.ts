/**
 * The latency workload with one member per process, as users run a room:
 * each roomsub peer, gossipsub node and socket.io client is a process of
 * its own (bench/member.js), and so is the hub's server. In one process a
 * hop costs almost nothing and every member's work queues on one event
 * loop; here each member works on its own loop, the two cores run two at a
 * time, and a hop is a real wake-up of another process.
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import { EXTRA_LINKS, pick, randomAppID, randomTopic } from './systems.js'
import { summarize } from './measure.js'
import type { ChildProcess } from 'node:child_process'
import type { LatencyOptions, LatencyResult } from './measure.js'
import type { FromMember, MemberReport, MemberStart, ToMember } from './member.js'
import type { SystemName } from './systems.js'

/** a member's start, its room check and its report: generous, 50 joins share two cores */
const REQUEST_TIMEOUT_MS = 60_000
const IN_ROOM_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 10_000
/** after a run short of deliveries, how long to wait for late ones */
const LATE_LOOK_MS = 5000

/** One forked member and its replies, taken in the order asked. */
class MemberProcess {
  private readonly child: ChildProcess
  private readonly waiting: Array<{ resolve: (m: FromMember) => void, reject: (err: Error) => void }> = []
  private exited = false

  constructor () {
    this.child = fork(fileURLToPath(new URL('./member.js', import.meta.url)), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
    this.child.on('message', (message: FromMember) => {
      const waiter = this.waiting.shift()
      if (waiter == null) return
      if ('error' in message) waiter.reject(new Error(`member process: ${message.error}`))
      else waiter.resolve(message)
    })
    this.child.on('exit', (code) => {
      this.exited = true
      for (const waiter of this.waiting.splice(0)) waiter.reject(new Error(`member process exited with ${code}`))
    })
    // the process did not start, or a send raced its exit: whoever waits on it fails now, not at the timeout
    this.child.on('error', (err) => {
      for (const waiter of this.waiting.splice(0)) waiter.reject(err)
    })
  }

  /** `command` sent without waiting for anything back (a message to send: timed in the child); a gone member misses it */
  tell (command: ToMember): void {
    if (!this.exited && this.child.connected) this.child.send(command)
  }

  async ask (command: ToMember): Promise<FromMember> {
    if (this.exited) throw new Error('member process has exited')
    const reply = new Promise<FromMember>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`no reply to ${Object.keys(command)[0]} within ${REQUEST_TIMEOUT_MS} ms`)) }, REQUEST_TIMEOUT_MS)
      this.waiting.push({
        resolve: (m) => { clearTimeout(timer); resolve(m) },
        reject: (err) => { clearTimeout(timer); reject(err) }
      })
    })
    this.child.send(command)
    return reply
  }

  async stop (): Promise<void> {
    if (this.exited) return
    const exited = new Promise<void>(resolve => this.child.once('exit', () => { resolve() }))
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    this.child.send({ stop: true })
    await exited
    clearTimeout(timer)
  }
}

function field<K extends string> (message: FromMember, key: K): Extract<FromMember, Record<K, unknown>>[K] {
  if (!(key in message)) throw new Error(`expected ${key}, got ${JSON.stringify(message)}`)
  return (message as Record<K, unknown>)[key] as Extract<FromMember, Record<K, unknown>>[K]
}

/** A room of `n` members, one per process (and the hub's server in one more). */
export class ProcessRoom {
  private readonly name: SystemName
  private readonly members: MemberProcess[] = []
  private hub?: MemberProcess
  /** ms to start every member and see the whole room at each */
  startMs = 0
  /** message ids are unique across runs: a straggler of one run is not taken for a delivery of the next */
  private nextID = 0

  constructor (name: SystemName) {
    this.name = name
  }

  async start (n: number, size: number): Promise<void> {
    const t0 = performance.now()
    const base: Omit<MemberStart, 'system' | 'index' | 'peers'> = { appID: randomAppID(), topic: randomTopic(), members: n, size }
    // forked at once, so they load their code side by side; they join one after another below
    if (this.name === 'socket.io') this.hub = new MemberProcess()
    for (let i = 0; i < n; i++) this.members.push(new MemberProcess())
    let url = ''
    if (this.hub != null) url = field(await this.hub.ask({ start: { ...base, system: 'hub', index: -1, peers: [] } }), 'ready').addr
    const addrs: string[] = []
    for (const [i, member] of this.members.entries()) {
      const peers = this.name === 'socket.io'
        ? [url]
        : i === 0
          ? []
          : this.name === 'gossipsub'
            // as in one process: node 0 and a few others
            ? [0, ...pick(i, Math.min(EXTRA_LINKS, i - 1), 1)].map(t => addrs[t])
            // a random member to log in through
            : [addrs[Math.floor(Math.random() * i)]]
      addrs.push(field(await member.ask({ start: { ...base, system: this.name, index: i, peers } }), 'ready').addr)
    }
    const deadline = Date.now() + IN_ROOM_TIMEOUT_MS
    for (const member of this.members) {
      while (!field(await member.ask({ check: true }), 'inRoom')) {
        if (Date.now() > deadline) throw new Error(`${this.name}: a member did not see the whole room within ${IN_ROOM_TIMEOUT_MS} ms`)
        await new Promise(resolve => setTimeout(resolve, 50))
      }
    }
    this.startMs = performance.now() - t0
  }

  /** Sends `messages` round-robin from every member at `rate` a second; each member times what it sends and receives. */
  async measure (options: LatencyOptions): Promise<LatencyResult> {
    const n = this.members.length
    // reports reset each member's counters and CPU: the run starts clean
    await this.reports()
    const expected = options.messages * (n - 1)
    const first = this.nextID
    this.nextID += options.messages
    const ofThisRun = (id: number): boolean => id >= first && id < this.nextID
    const started = performance.now()
    const interval = 1000 / options.rate
    for (let i = 0; i < options.messages; i++) {
      const wait = started + i * interval - performance.now()
      if (wait > 1) await new Promise(resolve => setTimeout(resolve, wait))
      this.members[i % n].tell({ send: first + i })
    }
    const sendTime = (performance.now() - started) / 1000
    const deadline = performance.now() + (options.drainMs ?? 3000)
    while (performance.now() < deadline) {
      const tallies = await Promise.all(this.members.map(async m => field(await m.ask({ tally: true }), 'tally')))
      if (tallies.reduce((s, x) => s + x, 0) >= expected) break
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    const reports = await this.reports()
    const sentAt = new Map<number, number>()
    for (const r of reports) for (const [id, at] of r.sent) sentAt.set(id, at)
    const samples: number[] = []
    for (const r of reports) {
      for (const [id, at] of r.received) {
        const sent = sentAt.get(id)
        if (sent != null && ofThisRun(id)) samples.push(at - sent)
      }
    }
    // what comes after the wait is late, not lost: a second look tells them apart
    let late = 0
    if (samples.length < expected) {
      await new Promise(resolve => setTimeout(resolve, LATE_LOOK_MS))
      for (const r of await this.reports()) late += r.received.filter(([id]) => ofThisRun(id)).length
    }
    return {
      latency: summarize(samples),
      expected,
      delivered: samples.length,
      late,
      failedSends: reports.reduce((s, r) => s + r.failedSends, 0),
      duplicates: reports.reduce((s, r) => s + r.duplicates, 0),
      cpuPerMessage: reports.reduce((s, r) => s + r.cpuMs, 0) / options.messages,
      sentPerSecond: options.messages / Math.max(sendTime, 0.001)
    }
  }

  private async reports (): Promise<MemberReport[]> {
    return Promise.all(this.everyone().map(async m => field(await m.ask({ report: true }), 'report')))
  }

  private everyone (): MemberProcess[] {
    return this.hub != null ? [this.hub, ...this.members] : this.members
  }

  async stop (): Promise<void> {
    await Promise.all(this.everyone().map(async m => m.stop()))
  }
}

/** `n` members in `n` processes: a short warm-up, then the measured run. */
export async function measureAcrossProcesses (name: SystemName, n: number, options: LatencyOptions): Promise<LatencyResult & { startMs: number }> {
  const room = new ProcessRoom(name)
  try {
    await room.start(n, options.size)
    await room.measure({ ...options, messages: Math.max(5, Math.floor(options.messages / 10)) })
    return { ...await room.measure(options), startMs: room.startMs }
  } finally {
    await room.stop()
  }
}
