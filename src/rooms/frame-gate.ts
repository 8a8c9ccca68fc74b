/**
 * The gate every room frame passes, once per node: size, decode, check the
 * signature against the author's key (a chat message bare on its author's
 * direct link has none yet: the link names the author), check the frame's
 * shape and room, hold each author to a send rate, then let the room's state decide. Whatever is
 * refused is counted by reason (frameStats) and never throws. Refusals no
 * honest forwarder could cause (forgeries, garbage, floods from the sender's
 * own key) cost the peer that handed us the frame gossipsub score.
 */
import { logger } from '@libp2p/logger'
import { base58btc } from 'multiformats/bases/base58'
import { MAX_ENVELOPE_BYTES } from '../wire/envelope.js'
import { Frame } from '../wire/roomsub.js'
import { DISCONNECT_POINTS } from '../node/peer-penalties.js'
import { WIRE_LIMITS } from './attributes.js'
import { messageIDOf } from './room.js'
import type { MessageCopy, Room, Verdict } from './room.js'
import type { EnvelopeCodec, Opened } from '../wire/envelope.js'
import type { Author } from '../wire/keys.js'
import { Announcement } from '../wire/roomsub.js'
import type { AttributeUpdate } from '../wire/roomsub.js'
import type { TokenVerifier } from '../auth/token.js'
import type { PeerPenalties } from '../node/peer-penalties.js'

/**
 * What the gate made of a frame: the room's verdict, or 'delivered': taken,
 * and it came straight from an author that sent it to every member it knew
 * of (Frame.direct) but none of our mesh peers, so nobody needs it from us
 * and it is not forwarded.
 */
export type Admission = Verdict | 'delivered'

/** Counts of what the validator refused or dropped, by reason; a roomsub extension to ZIM. */
export type FrameStats = Record<string, number>

/** At most this many listen addresses are taken from an announcement. */
export const MAX_ANNOUNCED_ADDRS = 8

/** Members a frame sent straight to the others may name as not reached; missing more, the author lets everyone forward. */
export const MAX_UNREACHED = 16

/** What a frame's repeated fields may hold at most when it is decoded. */
export const FRAME_DECODE_LIMITS = {
  announcement: { addrs: MAX_ANNOUNCED_ADDRS },
  direct: { unreached: MAX_UNREACHED },
  attributes: { room: WIRE_LIMITS.roomEntriesPerFrame, members: WIRE_LIMITS.memberEntriesPerFrame }
}

const FRAME_CODEC = {
  decode: (bytes: Uint8Array): Frame => Frame.decode(bytes, { limits: FRAME_DECODE_LIMITS })
}

const log = logger('roomsub:gate')

/** Authors whose send rate is tracked at most; past it the oldest is forgotten. */
const MAX_TRACKED_AUTHORS = 4096
/**
 * Announcements one author may burst, and per second after that: heartbeats
 * are one per interval, but a member that sees many peers vanish at once
 * sends a GONE for each.
 */
const ANNOUNCEMENT_BURST = 64
const ANNOUNCEMENTS_PER_SECOND = 10
/** Attribute frames one author may burst, and per second after that (ZIM allows a few attribute calls a second). */
const ATTRIBUTE_BURST = 32
const ATTRIBUTES_PER_SECOND = 10
/** Penalty points: a frame no honest forwarder would pass on, and a flood frame from the sender's own key. */
const FORGED_POINTS = 1
const FLOOD_POINTS = 0.5

export interface FrameGateInit {
  codec: EnvelopeCodec
  /** ZIM's per-user send limit; a remote author gets twice that as burst before frames are refused */
  messagesPerSecond: number
  /**
   * how long a message from an author not (yet) known as a member waits for
   * its announcement: in rooms over 16 members a joiner may only hear of a
   * new member from its next heartbeat
   */
  strangerWait: number
  penalties?: PeerPenalties
  /** in apps with an authority: announcements need a valid token, messages a member whose token holds */
  tokens?: TokenVerifier
  /** a peer's penalty passed the disconnect mark */
  onAbusive?(peer: string): void
  /** our gossipsub mesh peers (peer id strings) on a room's topic: those we forward frames to */
  meshPeers?(roomID: string): string[]
  /** a JOIN the room took, sealed, from its author or from a peer passing it on */
  joinAccepted?(room: Room, author: string, envelope: Uint8Array): void
}

/** A token bucket per author, refilled continuously. */
class SendRate {
  private readonly buckets = new Map<string, { tokens: number, at: number }>()
  private readonly burst: number
  private readonly perSecond: number

  constructor (burst: number, perSecond: number) {
    this.burst = burst
    this.perSecond = perSecond
  }

  private tokens (author: string, now: number): number {
    const bucket = this.buckets.get(author)
    return bucket == null ? this.burst : Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.perSecond / 1000)
  }

  /** whether `author` may send one more frame now */
  allows (author: string, now: number): boolean {
    return this.tokens(author, now) >= 1
  }

  /** charges one frame to `author` */
  spend (author: string, now: number): void {
    const tokens = this.tokens(author, now)
    this.buckets.delete(author)
    this.buckets.set(author, { tokens: tokens - 1, at: now })
    if (this.buckets.size > MAX_TRACKED_AUTHORS) {
      const oldest = this.buckets.keys().next().value
      if (oldest != null) this.buckets.delete(oldest)
    }
  }
}

export class FrameGate {
  private readonly init: FrameGateInit
  private readonly messageRate: SendRate
  private readonly announcementRate = new SendRate(ANNOUNCEMENT_BURST, ANNOUNCEMENTS_PER_SECOND)
  private readonly attributeRate = new SendRate(ATTRIBUTE_BURST, ATTRIBUTES_PER_SECOND)
  /** until when each author's token lets it speak (apps with an authority) */
  private readonly authorizedUntil = new Map<string, number>()
  readonly stats: FrameStats = {}

  constructor (init: FrameGateInit) {
    this.init = init
    const perSecond = Math.max(1, init.messagesPerSecond)
    this.messageRate = new SendRate(Math.min(Number.MAX_SAFE_INTEGER, perSecond * 2), perSecond)
  }

  count (reason: string): void {
    this.stats[reason] = (this.stats[reason] ?? 0) + 1
  }

  /**
   * Whether `author` may make announcement `ann` (always, without an
   * authority); a valid token also lets its messages through until it expires.
   */
  authorized (author: string, ann: Announcement, now = Date.now()): boolean {
    const tokens = this.init.tokens
    if (tokens == null) return true
    if (!tokens.allows(ann.token, ann.userID, author, now, ann.kind === Announcement.Kind.LEAVE)) return false
    this.authorizedUntil.delete(author)
    this.authorizedUntil.set(author, tokens.expiryOf(ann.token))
    if (this.authorizedUntil.size > MAX_TRACKED_AUTHORS) {
      const oldest = this.authorizedUntil.keys().next().value
      if (oldest != null) this.authorizedUntil.delete(oldest)
    }
    return true
  }

  private refuse (reason: string, source: string | undefined, points: number, verdict: Verdict = 'reject'): Verdict {
    this.count(reason)
    if (source != null && points > 0 && this.init.penalties != null) {
      const total = this.init.penalties.add(source, points)
      if (total >= DISCONNECT_POINTS && total - points < DISCONNECT_POINTS) this.init.onAbusive?.(source)
    }
    return verdict
  }

  /**
   * `source` sent what no honest peer sends outside a frame (bytes on a direct
   * link that are no frame, a forged history entry): counted as `reason` and
   * charged as a forgery is.
   */
  charge (reason: string, source: string): void {
    this.refuse(reason, source, FORGED_POINTS)
  }

  /** Whether one of the members an author did not reach directly is our mesh peer: then we forward its frame. */
  private reachesUnreached (room: Room, unreached: Uint8Array[]): boolean {
    if (unreached.length === 0) return false
    const mesh = this.init.meshPeers?.(room.roomID) ?? []
    if (mesh.length === 0) return false
    const missed = new Set(unreached.map(id => base58btc.baseEncode(id)))
    return mesh.some(peer => missed.has(peer))
  }

  /** Decodes and verifies a frame; throws on anything malformed or forged. */
  async open (bytes: Uint8Array): Promise<Opened<Frame>> {
    return this.init.codec.open<Frame>('frame', bytes, FRAME_CODEC, f => f.from)
  }

  /**
   * A frame published on `room`'s topic, handed to us by `source` (the
   * gossipsub propagation source). Accepted frames have changed the room's state.
   */
  async admit (room: Room, bytes: Uint8Array, source?: string, now = Date.now()): Promise<Admission> {
    if (bytes.byteLength > MAX_ENVELOPE_BYTES) {
      return this.refuse('oversize', source, FORGED_POINTS)
    }
    let opened: Opened<Frame>
    /** the signature check of a message that came straight from its author, run after it is delivered */
    let checkLater: (() => boolean | Promise<boolean>) | undefined
    try {
      const read = this.init.codec.openLater<Frame>('frame', bytes, FRAME_CODEC, f => f.from)
      if (read.body.message != null && source === read.author.peerIdString) {
        // handed to us by its author over a connection Noise authenticated as that peer: the frame is the
        // author's own, so it can be delivered at once. The signature must still hold before the frame is
        // passed on or handed out from history (those who get it from us check it), so it is checked after
        // delivery, or, for a direct frame nobody gets from us, when history is asked for it.
        checkLater = read.verify
      } else if (!(await read.verify())) {
        throw new Error('bad signature')
      }
      opened = read
    } catch {
      return this.refuse('malformed-or-forged', source, FORGED_POINTS)
    }
    return this.decide(room, opened.body, opened.author, { envelope: bytes }, checkLater, source, now)
  }

  /**
   * A chat message's unsigned body that `source` sent on its direct link, its
   * signature to follow (a Seal). Noise authenticated `source`, so the body
   * must be its own, and marked as sent to every member: nobody gets it from
   * us, and whoever later gets it from our history gets the signed envelope,
   * checked first.
   */
  async admitBody (room: Room, body: Uint8Array, source: string, now = Date.now()): Promise<Admission> {
    if (body.byteLength > MAX_ENVELOPE_BYTES) {
      return this.refuse('oversize', source, FORGED_POINTS)
    }
    let read: { body: Frame, author: Author }
    try {
      read = this.init.codec.readUnsigned<Frame>(body, FRAME_CODEC, f => f.from)
    } catch {
      return this.refuse('malformed-or-forged', source, FORGED_POINTS)
    }
    const direct = read.body.direct
    if (read.body.message == null || read.author.peerIdString !== source || direct == null || direct.unreached.length > 0) {
      return this.refuse('malformed-or-forged', source, FORGED_POINTS)
    }
    return this.decide(room, read.body, read.author, { body }, undefined, source, now)
  }

  /** The checks after the signature (or, for a body from its author's link, instead of it until it comes), then the room's verdict. */
  private async decide (room: Room, frame: Frame, signer: Author, copy: MessageCopy, checkLater: (() => boolean | Promise<boolean>) | undefined, source: string | undefined, now: number): Promise<Admission> {
    // announcements and attribute frames always come sealed: only a chat message may be a bare body
    const raw = 'envelope' in copy ? copy.envelope : copy.body
    const kind = frame.announcement != null ? 'announcement' : frame.message != null ? 'message' : 'attributes'
    const parts = (frame.announcement != null ? 1 : 0) + (frame.message != null ? 1 : 0) + (frame.attributes != null ? 1 : 0)
    if (frame.roomID !== room.roomID || parts !== 1) {
      return this.refuse('wrong-room-or-shape', source, FORGED_POINTS)
    }
    const author = signer.peerIdString
    const rate = kind === 'announcement' ? this.announcementRate : kind === 'message' ? this.messageRate : this.attributeRate
    if (!rate.allows(author, now)) {
      // forwarders pass on what their own gate let through, so only the author's own flood costs score
      return this.refuse('rate-exceeded', source, source === author ? FLOOD_POINTS : 0)
    }
    const speaksAs = kind === 'message' ? frame.message?.userID : kind === 'attributes' ? room.speaksAs(author) : undefined
    const bound = speaksAs != null ? room.members.get(speaksAs) : undefined
    if (kind !== 'announcement' && (bound == null || bound.peerId !== author || bound.session < frame.session)) {
      // an unknown sender, a user still bound to an earlier login's key, or a member whose new session
      // (it left and came back) we have not heard yet: its announcement (or the check of the earlier key)
      // may be on the way
      room.lostSpeaks(author)
      if (!(await room.awaitMember(author, this.init.strangerWait, frame.session))) {
        // a sender we have not heard join within the wait: a forgery, or a member already gone
        if (log.enabled) {
          log('%s at %s: %s %s from %s (%s) refused: not a member after %d ms%s', room.roomID, room.localUserID, kind, frame.message != null ? messageIDOf(frame.from, frame.session, frame.message.seq) : '',
            speaksAs, author, this.init.strangerWait, room.connected ? '' : ' (room left)')
        }
        // in the name of a member bound to another key it is a forgery
        const holder = speaksAs != null ? room.members.get(speaksAs) : undefined
        if (holder != null && holder.peerId !== author) {
          return this.refuse(`${kind}-rejected`, source, 0)
        }
        // else a member whose announcement is late (a loaded network, or one we took for gone), or one
        // already gone: not passed on, but a message is kept a while in case its author turns out a member
        // (kept messages may end up in history, handed to others: their signature must hold)
        if (frame.message != null && (checkLater == null || await checkLater())) room.park(author, frame, frame.message, copy, Date.now())
        return this.refuse(`${kind}-ignored`, source, 0, 'ignore')
      }
      now = Date.now()
    }
    if (this.init.tokens != null && !(frame.announcement != null ? this.authorized(author, frame.announcement, now) : (this.authorizedUntil.get(author) ?? 0) > now)) {
      // no penalty: a forwarder cannot know when our clock says a token ran out
      return this.refuse('unauthorized', source, 0)
    }
    const verdict: Verdict = frame.announcement != null
      ? room.applyAnnouncement(author, frame, frame.announcement, raw, true, now)
      : frame.message != null
        ? room.applyMessage(author, frame, frame.message, now)
        : room.applyAttributes(author, frame, frame.attributes as AttributeUpdate, raw)
    if (verdict === 'accept') {
      // only what the room took counts against the author: replays of its old frames must not use up its rate
      rate.spend(author, now)
      if (frame.announcement?.kind === Announcement.Kind.JOIN && 'envelope' in copy) this.init.joinAccepted?.(room, author, copy.envelope)
      if (frame.direct != null && source === author && !this.reachesUnreached(room, frame.direct.unreached)) {
        // nobody gets it from us but askers of history, so its signature is checked only if one asks
        if (frame.message != null) room.keepMessage(copy, frame, frame.message, now, checkLater != null)
        return 'delivered'
      }
      if (checkLater != null) {
        // what else came in meanwhile is read and delivered first: the check is off the delivery path
        await new Promise(resolve => setImmediate(resolve))
        if (!(await checkLater())) return this.refuse('malformed-or-forged', source, FORGED_POINTS)
      }
      // kept for later joiners as the very bytes that came, verified: nothing is re-encoded or re-signed
      if (frame.message != null) room.keepMessage(copy, frame, frame.message, now)
    } else {
      this.count(`${kind}-${verdict === 'reject' ? 'rejected' : 'ignored'}`)
    }
    return verdict
  }
}
