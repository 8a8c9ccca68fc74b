/**
 * What a member reads from a room's history: one page merged from its own
 * window and the answers of a few room peers, deduplicated by messageID and
 * ordered by (orderKey, messageID), as the same ZIM messages live delivery
 * makes; and the guard that keeps the opt-in catch-up after a join from
 * repeating a message that is also delivered live.
 */
import { logger } from '@libp2p/logger'
import { Envelope, Frame } from '../wire/roomsub.js'
import { ZIMMessageDirection } from '../zim/defines.js'
import { compareKeys, selectPage } from './store.js'
import type { HistoryPage, HistoryKey } from './store.js'
import type { HistoryProtocol } from './protocol.js'
import type { Room } from '../rooms/room.js'
import type { ChatMessage } from '../wire/roomsub.js'
import type { ZIMMessage } from '../zim/defines.js'

const log = logger('roomsub:history')

interface Readable extends HistoryKey {
  frame: Frame
  message: ChatMessage
}

export interface ReadOptions {
  localUserID: string
  /** messages left out of the page (the catch-up leaves out what this session sent) */
  skip?(frame: Frame): boolean
}

/**
 * One page of `room`'s history, ascending: what this node keeps plus what
 * the peers asked return. Verified messages from peers are kept in the
 * window too (within its bounds), so they can be handed on.
 */
export async function readHistory (protocol: HistoryProtocol, room: Room, page: HistoryPage, options: ReadOptions): Promise<ZIMMessage[]> {
  const found = new Map<string, Readable>()
  for (const kept of room.history.page(page)) {
    try {
      // checked when it came in: decoding is all it needs now
      const frame = Frame.decode(kept.envelope != null ? Envelope.decode(kept.envelope).body : kept.body ?? new Uint8Array(0))
      if (frame.message != null) found.set(kept.messageID, { orderKey: kept.orderKey, messageID: kept.messageID, frame, message: frame.message })
    } catch (err) {
      log.error('%s: a kept message does not decode: %e', room.roomID, err)
    }
  }
  const answered = await protocol.fetch(room, page)
  const now = Date.now()
  for (const m of answered) {
    if (found.has(m.messageID)) continue
    found.set(m.messageID, m)
    room.history.keep({ orderKey: m.orderKey, messageID: m.messageID, at: m.at, envelope: m.envelope }, now)
  }
  const sorted = [...found.values()].filter(m => options.skip?.(m.frame) !== true).sort(compareKeys)
  return selectPage(sorted, page).map(m =>
    room.toZIMMessage(m.frame, m.message, m.message.userID === options.localUserID ? ZIMMessageDirection.Send : ZIMMessageDirection.Receive))
}

/** Pages a catch-up reads at most, past messages already delivered live, to find its messages. */
const CATCH_UP_PAGES = 4

/**
 * The catch-up after a join: the newest `count` messages of the room that
 * were not delivered live (messages keep coming while it asks: those are
 * live, so it pages on past them), ascending.
 */
export async function readCatchUp (protocol: HistoryProtocol, room: Room, guard: CatchUpGuard, count: number, options: ReadOptions): Promise<ZIMMessage[]> {
  let found: ZIMMessage[] = []
  let anchor: HistoryKey | undefined
  for (let i = 0; i < CATCH_UP_PAGES && found.length < count; i++) {
    const page = await readHistory(protocol, room, { anchor, older: true, count }, options)
    found = [...page.filter(m => !guard.delivered(m.messageID)), ...found]
    if (page.length < count) break
    anchor = { orderKey: page[0].orderKey ?? 0, messageID: page[0].messageID ?? '' }
  }
  return found.slice(-count)
}

/** Live messages recorded at most while a catch-up runs; past it the catch-up delivers nothing rather than risk a repeat. */
const MAX_LIVE_RECORDED = 10_000

/**
 * One room's catch-up after a join: live messages delivered while it runs
 * are recorded, so the catch-up leaves them out; what it delivers is
 * remembered for as long as the room lasts, so a late live copy is dropped.
 */
export class CatchUpGuard {
  private live: Set<string> | undefined = new Set()
  private overflowed = false
  private readonly offline = new Set<string>()

  /** Whether a live message may be delivered: not if the catch-up delivered it already. */
  admitLive (messageID: string | undefined): boolean {
    if (messageID == null) return true
    if (this.offline.has(messageID)) return false
    if (this.live != null) {
      if (this.live.size < MAX_LIVE_RECORDED) this.live.add(messageID)
      else this.overflowed = true
    }
    return true
  }

  /** Whether the message was delivered already, live or by the catch-up. */
  delivered (messageID: string | undefined): boolean {
    return messageID != null && (this.live?.has(messageID) === true || this.offline.has(messageID))
  }

  /** The catch-up's messages that were not delivered live, in the order given; recording of live ones ends. */
  takeOffline (messages: ZIMMessage[]): ZIMMessage[] {
    const live = this.live ?? new Set<string>()
    this.live = undefined
    if (this.overflowed) return []
    const fresh = messages.filter(m => m.messageID != null && !live.has(m.messageID) && !this.offline.has(m.messageID))
    for (const m of fresh) this.offline.add(m.messageID as string)
    return fresh
  }
}
