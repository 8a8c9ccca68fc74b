/**
 * The churn soak, shared by the CI test (short) and `npm run soak` (long):
 * peers log in, join, send, leave, log out and crash at random (a seeded
 * PRNG picks every action, so a failing seed replays the same script), then
 * an accounting step checks every message reached every member present for
 * its whole flight exactly once, and nobody outside the room.
 */
import { FAST, startPeer } from './helpers.js'
import type { Peer } from './helpers.js'
import type { ZIMMessage } from '../src/index.js'

export interface ChurnOptions {
  seed: number
  /** peer slots; each slot is one userID, logged in again and again */
  nodes: number
  durationMs: number
  /** one random action per tick */
  tickMs: number
  /** a message must reach everyone in the room from its send until this much later */
  flightMs: number
  appID: number
  log?: (line: string) => void
}

export interface ChurnReport {
  seed: number
  actions: Record<string, number>
  sent: number
  /** (message, receiver) pairs that had to be delivered */
  expected: number
  delivered: number
  missing: string[]
  duplicates: string[]
  strays: string[]
  wallMs: number
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere */
export function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** One stay in the room: from the join call (and its return) until leaving, logging out or crashing. */
interface Span { joinStart: number, joinDone?: number, gone?: number }

/** One login of one slot: its stays in the room, and what it received. */
interface Incarnation {
  name: string
  peer: Peer
  spans: Span[]
  crashed: boolean
  received: Array<{ id: string, at: number }>
}

const current = (inc: Incarnation): Span | undefined => inc.spans[inc.spans.length - 1]
const inRoom = (inc: Incarnation): boolean => current(inc)?.joinDone != null && current(inc)?.gone == null
const hasLeft = (inc: Incarnation): boolean => current(inc)?.gone != null
const leave = (inc: Incarnation): void => { const span = current(inc); if (span != null) span.gone = Date.now() }

interface Sent { id: string, from: Incarnation, at: number, messageID: string }

const ROOM = 'churn'

export async function runChurn (o: ChurnOptions): Promise<ChurnReport> {
  const random = prng(o.seed)
  const log = o.log ?? (() => {})
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]
  const slots: Array<Incarnation | undefined> = new Array(o.nodes).fill(undefined)
  const everyone: Incarnation[] = []
  const sent: Sent[] = []
  const actions: Record<string, number> = {}
  const pending = new Set<Promise<unknown>>()
  let logins = 0
  let counter = 0
  const t0 = Date.now()

  const track = (what: string, work: Promise<unknown>): void => {
    actions[what] = (actions[what] ?? 0) + 1
    const p = work.catch(err => { log(`${what} failed: ${String(err)}`) }).finally(() => pending.delete(p))
    pending.add(p)
  }
  const online = (): Incarnation[] => slots.filter((s): s is Incarnation => s != null && !s.crashed)
  const members = (): Incarnation[] => online().filter(inRoom)
  const busy = new Set<Incarnation>()

  const login = async (slot: number): Promise<Incarnation> => {
    // two peers to bootstrap from, in case one crashes while we dial it
    const bootstrap = online().filter(s => !busy.has(s) && s.peer != null).map(s => s.peer.addr)
    const userID = `c${slot}`
    const inc: Incarnation = { name: `${userID}#${++logins}`, crashed: false, received: [], spans: [], peer: undefined as unknown as Peer }
    slots[slot] = inc
    busy.add(inc)
    try {
      inc.peer = await startPeer(userID, { appID: o.appID, ...FAST, bootstrap: [...new Set([pick(bootstrap), pick(bootstrap)])].filter(a => a != null) }).catch(err => {
        slots[slot] = undefined
        throw err
      })
      inc.peer.zim.on('roomMessageReceived', (_z, { messageList }) => {
        for (const m of messageList) inc.received.push({ id: (m as ZIMMessage & { message: string }).message, at: Date.now() })
      })
      everyone.push(inc)
    } finally {
      busy.delete(inc)
    }
    return inc
  }
  const enter = async (inc: Incarnation, create = false): Promise<void> => {
    busy.add(inc)
    try {
      const span: Span = { joinStart: Date.now() }
      inc.spans.push(span)
      try {
        if (create) await inc.peer.zim.createRoom({ roomID: ROOM, roomName: '' })
        else await inc.peer.zim.joinRoom(ROOM)
        span.joinDone = Date.now()
      } catch (err) {
        span.gone = Date.now()
        throw err
      }
    } finally {
      busy.delete(inc)
    }
  }

  // the room starts with half the slots in it
  await enter(await login(0), true)
  for (let i = 1; i < Math.ceil(o.nodes / 2); i++) await enter(await login(i))
  const started = Date.now()

  while (Date.now() - started < o.durationMs) {
    const roll = random()
    const idle = members().filter(m => !busy.has(m))
    const free = slots.map((s, i) => ({ s, i })).filter(x => x.s == null || x.s.crashed || (hasLeft(x.s) && !busy.has(x.s)))
    if (roll < 0.6 && idle.length > 0) {
      const from = pick(idle)
      const id = `m${++counter}`
      const at = Date.now()
      track('send', from.peer.zim.sendMessage({ type: 1, message: id }, ROOM, 1, { priority: 1 }).then(({ message }) => { sent.push({ id, from, at, messageID: message.messageID ?? '' }) }))
    } else if (roll < 0.75 && free.length > 0) {
      const { s, i } = pick(free)
      if (s != null && !s.crashed && random() < 0.5) {
        // back into the room on the same login
        track('rejoin', enter(s))
      } else if (s != null && !s.crashed) {
        // a slot that left: log it out first, as an app would before logging in again
        busy.add(s)
        track('logout-and-login', s.peer.zim.destroy().then(async () => { busy.delete(s); slots[i] = undefined; await enter(await login(i)) }))
      } else {
        track('login-and-join', (async () => { await enter(await login(i)) })())
      }
    } else if (roll < 0.85 && idle.length > 3) {
      const m = pick(idle)
      leave(m)
      busy.add(m)
      track('leave', m.peer.zim.leaveRoom(ROOM).finally(() => busy.delete(m)))
    } else if (roll < 0.92 && idle.length > 3) {
      const m = pick(idle)
      m.crashed = true
      // a crash: the node stops under ZIM's feet, no LEAVE is ever sent. Frames already inside the
      // node while it stops may still be delivered, so the stay ends when the node has stopped.
      track('crash', Promise.resolve(m.peer.node.stop()).finally(() => { leave(m) }))
    }
    await new Promise(resolve => setTimeout(resolve, o.tickMs))
  }
  await Promise.all([...pending])
  // let the last flights land
  await new Promise(resolve => setTimeout(resolve, o.flightMs))

  const report: ChurnReport = { seed: o.seed, actions, sent: sent.length, expected: 0, delivered: 0, missing: [], duplicates: [], strays: [], wallMs: Date.now() - t0 }
  const sentById = new Map(sent.map(s => [s.id, s]))
  for (const r of everyone) {
    const seen = new Map<string, number>()
    for (const d of r.received) {
      seen.set(d.id, (seen.get(d.id) ?? 0) + 1)
      const s = sentById.get(d.id)
      if (s == null || s.from === r || !r.spans.some(span => d.at >= span.joinStart && (span.gone == null || d.at <= span.gone))) {
        const spans = r.spans.map(sp => `[${sp.joinStart - d.at}..${(sp.joinDone ?? NaN) - d.at}..${(sp.gone ?? NaN) - d.at}]`).join('')
        report.strays.push(`${d.id} to ${r.name} ${spans} (ms from the delivery)`)
      }
    }
    for (const [id, n] of seen) {
      report.delivered += n
      if (n > 1) report.duplicates.push(`${id} ${n}x to ${r.name}`)
    }
    for (const s of sent) {
      if (s.from === r) continue
      const stayed = (inc: Incarnation, from: number): boolean => inc.spans.some(span => span.joinDone != null && span.joinDone <= from && (span.gone == null || span.gone >= s.at + o.flightMs))
      const senderStayed = stayed(s.from, s.at)
      const receiverStayed = stayed(r, s.at)
      if (!senderStayed || !receiverStayed) continue
      report.expected++
      if (!seen.has(s.id)) {
        const spans = (inc: Incarnation): string => inc.spans.map(sp => `[${sp.joinStart - s.at}..${(sp.joinDone ?? NaN) - s.at}..${(sp.gone ?? NaN) - s.at}]`).join('')
        report.missing.push(`${s.id} (${s.messageID}) from ${s.from.name} ${spans(s.from)} to ${r.name} ${spans(r)} (ms from the send; receiver refused ${JSON.stringify(r.peer.zim.frameStats())})`)
      }
    }
  }
  await Promise.all(everyone.map(async inc => {
    await inc.peer.zim.destroy().catch(() => {})
    await Promise.resolve(inc.peer.node.stop()).catch(() => {})
  }))
  return report
}
