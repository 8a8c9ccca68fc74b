/**
 * The window of recent chat messages a member keeps for one room, so peers
 * that join later can read what was said before them. It holds the signed
 * envelopes exactly as they were published (an asker verifies them like live
 * frames), or a message's body while its signature is on the way, in
 * (orderKey, messageID) order, bounded by count and by age. Pure memory: no
 * timers (age is enforced whenever the window is touched), no network,
 * nothing decoded or re-encoded on the way in.
 */

/** A page's anchor: ZIM's `nextMessage`, by what orders a room. */
export interface HistoryKey {
  orderKey: number
  messageID: string
}

export interface KeptMessage extends HistoryKey {
  /** the time its age counts from (ms): when it was received, or its orderKey time if a peer handed it over */
  at: number
  /** the encoded Envelope of the chat-message Frame, as published; unset while `body` waits for its signature */
  envelope?: Uint8Array
  /**
   * the encoded chat-message Frame, until its signature comes: the author
   * sent it unsigned on its direct link and the signature after (a Seal).
   * Never handed to anyone in this state.
   */
  body?: Uint8Array
  /**
   * its signature was not checked yet: the message came straight from its
   * author over a connection Noise authenticated, and was not passed on. It
   * is checked before the envelope is handed to anyone.
   */
  unverified?: boolean
}

/** One page of a room's history, as ZIM asks for it. */
export interface HistoryPage {
  /** continue from this message (excluded); none: start at the newest (`older`) or the oldest */
  anchor?: HistoryKey
  /** toward older messages (ZIM's `reverse: true`), else toward newer ones */
  older: boolean
  count: number
}

/** The most messages one page holds, asked or answered. */
export const MAX_HISTORY_PAGE = 100

/** The most messages a window may be configured to keep. */
export const MAX_HISTORY_LIMIT = 10_000

/**
 * Total order of a room's messages: orderKey, then messageID as a number
 * (decimal uint64 strings: the shorter is smaller, then digit by digit), so
 * two senders whose keys tie are still ordered the same way everywhere.
 */
export function compareKeys (a: HistoryKey, b: HistoryKey): number {
  if (a.orderKey !== b.orderKey) return a.orderKey < b.orderKey ? -1 : 1
  if (a.messageID.length !== b.messageID.length) return a.messageID.length < b.messageID.length ? -1 : 1
  return a.messageID < b.messageID ? -1 : a.messageID > b.messageID ? 1 : 0
}

/** Index of the first entry of `sorted` not below `key`. */
function lowerBound<T extends HistoryKey> (sorted: T[], key: HistoryKey): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compareKeys(sorted[mid], key) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * The page of `sorted` (ascending, no duplicates): the `count` entries
 * nearest the anchor on the asked side, the anchor itself excluded, ascending.
 */
export function selectPage<T extends HistoryKey> (sorted: T[], page: HistoryPage): T[] {
  const count = Math.max(0, Math.min(page.count, sorted.length))
  if (page.older) {
    let end = sorted.length
    if (page.anchor != null) end = lowerBound(sorted, page.anchor)
    return sorted.slice(Math.max(0, end - count), end)
  }
  let start = 0
  if (page.anchor != null) {
    start = lowerBound(sorted, page.anchor)
    if (start < sorted.length && compareKeys(sorted[start], page.anchor) === 0) start++
  }
  return sorted.slice(start, start + count)
}

/** The ms time an orderKey stands for (orderKey = ms × 1024 + sender bits). */
export function orderKeyTime (orderKey: number): number {
  return Math.floor(orderKey / 1024)
}

export class HistoryWindow {
  private readonly limit: number
  private readonly maxAge: number
  /** ascending by (orderKey, messageID) */
  private readonly entries: KeptMessage[] = []
  private readonly ids = new Map<string, KeptMessage>()

  /** `limit` messages, each for `maxAge` ms; either 0 keeps nothing. */
  constructor (limit: number, maxAge: number) {
    this.limit = Math.max(0, Math.min(limit, MAX_HISTORY_LIMIT))
    this.maxAge = Math.max(0, maxAge)
  }

  /** whether this window keeps anything at all */
  get enabled (): boolean {
    return this.limit > 0 && this.maxAge > 0
  }

  get size (): number {
    return this.entries.length
  }

  has (messageID: string): boolean {
    return this.ids.has(messageID)
  }

  /** One kept message by its messageID, unless it expired. */
  get (messageID: string, now = Date.now()): KeptMessage | undefined {
    const entry = this.ids.get(messageID)
    return entry != null && entry.at > now - this.maxAge ? entry : undefined
  }

  /**
   * Keeps one message; false if it was there already, or falls outside the
   * bounds (too old, or older than every kept message of a full window).
   * The caller hands over bytes it no longer changes (a copy of any view).
   */
  keep (entry: KeptMessage, now = Date.now()): boolean {
    if (!this.enabled || this.ids.has(entry.messageID) || entry.at <= now - this.maxAge) return false
    this.expireFront(now)
    const last = this.entries[this.entries.length - 1]
    // live messages mostly come in order: appending is the common case
    const at = last == null || compareKeys(last, entry) < 0 ? this.entries.length : lowerBound(this.entries, entry)
    if (at === 0 && this.entries.length >= this.limit) return false
    if (at === this.entries.length) this.entries.push(entry)
    else this.entries.splice(at, 0, entry)
    this.ids.set(entry.messageID, entry)
    while (this.entries.length > this.limit) {
      const oldest = this.entries.shift()
      if (oldest != null) this.ids.delete(oldest.messageID)
    }
    return true
  }

  /**
   * The kept messages of `page`, ascending; expired ones are dropped first.
   * With `only`, the page is cut from the entries it passes: an answer is
   * cut from what may be handed out, so a body still waiting for its
   * signature does not make the page short (a short page ends a reader's paging).
   */
  page (page: HistoryPage, now = Date.now(), only?: (entry: KeptMessage) => boolean): KeptMessage[] {
    this.expireAll(now)
    return selectPage(only != null ? this.entries.filter(only) : this.entries, page)
  }

  /** Forgets one message: its signature turned out not to hold. */
  forget (messageID: string): void {
    const entry = this.ids.get(messageID)
    if (entry == null) return
    this.ids.delete(messageID)
    this.entries.splice(this.entries.indexOf(entry), 1)
  }

  /** Forgets everything: the room was left. */
  clear (): void {
    this.entries.length = 0
    this.ids.clear()
  }

  /** Received times mostly follow order keys: the oldest entries usually sit at the front. */
  private expireFront (now: number): void {
    const cutoff = now - this.maxAge
    let n = 0
    while (n < this.entries.length && this.entries[n].at <= cutoff) n++
    if (n === 0) return
    for (const gone of this.entries.splice(0, n)) this.ids.delete(gone.messageID)
  }

  private expireAll (now: number): void {
    const cutoff = now - this.maxAge
    let kept = 0
    for (const entry of this.entries) {
      if (entry.at > cutoff) this.entries[kept++] = entry
      else this.ids.delete(entry.messageID)
    }
    this.entries.length = kept
  }
}
