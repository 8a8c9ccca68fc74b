/**
 * One joined room's state: who is in it (from signed announcements), the
 * local member's own counters, and per-sender message ordering. Pure state:
 * it never touches the network; the room manager feeds it verified frames
 * and publishes what it asks for. Every change it reports goes out once.
 */
import { createHash } from 'node:crypto'
import { sha256 } from '@noble/hashes/sha2.js'
import { logger } from '@libp2p/logger'
import { Announcement, Envelope } from '../wire/roomsub.js'
import { ZIMConversationType, ZIMMessageDirection, ZIMMessageSentStatus, ZIMMessageType } from '../zim/defines.js'
import { compareGenerations } from '../registry/record.js'
import { RoomAttributes, wellFormed } from './attributes.js'
import type { AttributeChanges, SetOptions } from './attributes.js'
import { HistoryWindow } from '../history/store.js'
import { copyBytes } from '../wire/bytes.js'
import type { AttributeUpdate, ChatMessage, Frame, RoomAttribute, Seal } from '../wire/roomsub.js'
import type { Generation, GenerationID, SealedCreation } from '../registry/record.js'
import type { ZIMMessage, ZIMUserInfo } from '../zim/defines.js'

const log = logger('roomsub:room')

export type Verdict = 'accept' | 'ignore' | 'reject'

export interface Member {
  userID: string
  userName: string
  peerId: string
  session: bigint
  seq: bigint
  lastSeen: number
  addrs: Uint8Array[]
  /** the member's newest announcement envelope, handed to joiners in snapshots */
  latest: Uint8Array
  /** heard live (not only from a snapshot) since we joined */
  heard: boolean
  nextMsgSeq: bigint
  pending: Map<bigint, ZIMMessage>
  /** seqs a skipped gap jumped over: delivered late if they still come, never twice */
  missing: Set<bigint>
  gapTimer?: ReturnType<typeof setTimeout>
  /** the current gap's messages were asked for (recovery): the next expiry of `gapTimer` skips it */
  gapRecoveryAsked?: boolean
  /** the newest seq its announcements say it sent, checked `reorderWindow` after it was heard */
  announcedMsgSeq: bigint
  tailTimer?: ReturnType<typeof setTimeout>
  /** the author key bytes of its frames (`Frame.from`): its messageIDs are made from them */
  from: Uint8Array
  /** when a notice about it last made us check it is still there */
  checkedAt?: number
  /** since when it has been connected to us but not on the room's topic (a direct room: RoomManager.resetMembersOffTopic) */
  offTopicSince?: number
  /** our connections to it were closed once for that */
  offTopicReset?: boolean
  /** the attributes digest of its newest announcement */
  attributesDigest: Uint8Array
}

/** A member that vanished without a LEAVE (crashed, or cut off by a partition). */
export interface LostMember {
  peerId: string
  addrs: Uint8Array[]
  /** redialled until then, so a healed network finds its way back */
  until: number
  nextTry: number
  wait: number
  /** a dial reached it since: its announcements count again (until then they may be stale, in flight from before) */
  reachable?: boolean
  /** its newest announcement heard while not reachable (the signed envelope): applied once a dial reaches it */
  heard?: { seq: bigint, raw: Uint8Array }
  /** reached, but gossipsub did not carry the room between us: our connections to it were closed once (RoomManager.resetIfTopicMissing) */
  reset?: boolean
  /** where its messages stood when we lost it: if it comes back in the same session, delivery resumes there */
  ordering: { userID: string, session: bigint, nextMsgSeq: bigint, missing: Set<bigint> }
}

/**
 * A verified message whose author was not a member when it came (not heard
 * of yet, or taken for gone under load): kept a while, and delivered if the
 * author's announcement arrives, so a late announcement costs no message.
 */
interface Unclaimed {
  frame: Frame
  msg: ChatMessage
  copy: MessageCopy
  at: number
}

/**
 * A chat message as it came: the envelope that carried it, or, from its
 * author's direct link, its unsigned body (the signature follows as a Seal).
 */
export type MessageCopy = { envelope: Uint8Array } | { body: Uint8Array }

function bytesOf (copy: MessageCopy): Uint8Array {
  return 'envelope' in copy ? copy.envelope : copy.body
}

/** Signatures remembered at most per room that came before their message was kept (the gate was still waiting on its author). */
const MAX_EARLY_SEALS = 256
/** Seals held at most before they are applied without waiting for a history request. */
const MAX_HELD_SEALS = 256

/** Frames at most waiting (in all) for their author to become a member. */
const MAX_WAITING_FOR_MEMBER = 256

/** Lost members remembered at most per room; past it the oldest is forgotten. */
const MAX_LOST = 64
/** A lost member is redialled for this many member timeouts. */
const LOST_REDIAL_TIMEOUTS = 20
/**
 * Unclaimed messages kept at most: per author, in all (count and envelope
 * bytes), and for how long (member timeouts, at most a minute). Strangers'
 * signed messages cost a bounded slice of memory, for a bounded time.
 */
const MAX_UNCLAIMED_PER_AUTHOR = 64
const MAX_UNCLAIMED = 512
const MAX_UNCLAIMED_BYTES = 2 * 1024 * 1024
const UNCLAIMED_TIMEOUTS = LOST_REDIAL_TIMEOUTS
const MAX_UNCLAIMED_MS = 60_000

interface Tombstone {
  peerId: string
  seq: bigint
  until: number
}

export interface RoomCallbacks {
  joined(room: Room, users: ZIMUserInfo[]): void
  left(room: Room, users: ZIMUserInfo[]): void
  message(room: Room, message: ZIMMessage): void
  /** a live join from `joiner` arrived (or a GONE about us): the manager answers so it hears from us */
  joinSeen(room: Room, joiner: string): void
  /**
   * messages `seqs` of `member` did not come within the reorder window: ask
   * peers that keep them (recovery); what comes back goes through applyMessage
   */
  recover(room: Room, member: Member, seqs: bigint[]): void
  /** a member says its connection to `member` closed: check whether it is still there */
  suspect(room: Room, member: Member): void
  /** an announcement shows an earlier lifetime of this room: ours lost the race */
  generationLost(room: Room, winner: GenerationID): void
  /** a member we lost speaks again: dial it before believing it (at `addrs`, where it says it is now) */
  lostHeard(room: Room, lost: LostMember, addrs: Uint8Array[]): void
  /** attributes changed as we see them: by `operator`'s frame (a batch or not), or because an owner left */
  attributesChanged(room: Room, changes: AttributeChanges, operator: string | undefined, batch: boolean): void
  /** a member announced attributes that differ from ours: one of us missed a frame, or one is in flight */
  attributesDiffer(room: Room, member: Member): void
}

export interface RoomInit {
  roomID: string
  localUserID: string
  localPeerId: string
  memberTimeout: number
  heartbeatInterval: number
  reorderWindow: number
  /** members one room holds at most, ourselves included (and tombstones kept): fake joins cannot grow memory without bound */
  maxMembers: number
  /** the recent messages kept for later joiners: how many, and for how long (ms); none without it */
  history?: { limit: number, maxAge: number }
  callbacks: RoomCallbacks
}

/** Upper bound of out-of-order messages held per sender before delivery skips the gap. */
const MAX_PENDING_PER_SENDER = 256
/** Upper bound of skipped seqs remembered per sender, so a late message is still delivered once. */
const MAX_MISSING_PER_SENDER = 1024
/** Messages of one member asked for at once when its live copies did not come (one recovery request). */
const MAX_RECOVERED_AT_ONCE = 100
/** Lamport order keys carry 10 bits of the sender's peer id hash, so keys of two senders rarely tie (1 in 1024 pairs share the bits). */
const ORDER_KEY_SENDER_BITS = 1024
/** An order key further ahead of our clock than this does not move the room clock. */
export const MAX_ORDER_KEY_SKEW_MS = 10 * 60 * 1000

export function orderKeySuffix (peerId: string): number {
  return createHash('sha256').update(peerId).digest().readUInt16BE(0) % ORDER_KEY_SENDER_BITS
}

/**
 * A message's id: the first 8 bytes of sha256(author's peer id bytes,
 * "<session>:<seq>") as a decimal uint64, the same at every member. Hashed
 * in JavaScript: at a chat's pace this runs cold, and there node:crypto's
 * call (45 to 50 µs) cost more than the hash itself (30 µs here).
 */
export function messageIDOf (from: Uint8Array, session: bigint, seq: bigint): string {
  const tail = `${session}:${seq}`
  const input = new Uint8Array(from.byteLength + tail.length)
  input.set(from)
  for (let i = 0; i < tail.length; i++) input[from.byteLength + i] = tail.charCodeAt(i)
  const h = sha256(input)
  const high = ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0
  const low = ((h[4] << 24) | (h[5] << 16) | (h[6] << 8) | h[7]) >>> 0
  return ((BigInt(high) << 32n) | BigInt(low)).toString()
}

/** messageIDs of decoded messages, so a message delivered and kept is hashed once */
const messageIDs = new WeakMap<ChatMessage, string>()

/** The messageID of `msg`, a chat message of `frame`. */
export function messageIDOfFrame (frame: Frame, msg: ChatMessage): string {
  let id = messageIDs.get(msg)
  if (id == null) {
    id = messageIDOf(frame.from, frame.session, msg.seq)
    messageIDs.set(msg, id)
  }
  return id
}

/** Starts a counter that is larger than any a previous run of this node could have used. */
export function timeBasedCounter (): bigint {
  return BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000))
}

/**
 * Every member answers a join in rooms of up to this many members; in larger
 * rooms the members ranked first by hash(joiner, member) do, so a join costs
 * O(N) frames rather than O(N^2). Joiner and members compute the same set
 * from the same member list.
 */
export const ANSWERING_MEMBERS = 16

function rank (joiner: string, member: string): number {
  return createHash('sha256').update(joiner).update('\n').update(member).digest().readUInt32BE(0)
}

/** The peers (of `peers`, the joiner excluded) that answer `joiner`'s join. */
export function answerers (joiner: string, peers: string[]): Set<string> {
  const others = [...new Set(peers.filter(p => p !== joiner))]
  if (others.length <= ANSWERING_MEMBERS) return new Set(others)
  return new Set(others.map(p => [rank(joiner, p), p] as const).sort((a, b) => a[0] - b[0]).slice(0, ANSWERING_MEMBERS).map(([, p]) => p))
}

function answers (self: string, joiner: string, peers: string[]): boolean {
  return answerers(joiner, peers).has(self)
}

/** Messages of a member met live that may still arrive after the announcement that introduced it. */
const RECENT_SEQS_ON_MEETING = 64n

function recentSeqs (last: bigint): Set<bigint> {
  const seqs = new Set<bigint>()
  for (let seq = last; seq > 0n && seq > last - RECENT_SEQS_ON_MEETING; seq--) seqs.add(seq)
  return seqs
}

/** The seqs of a member we lost that we have not delivered: what was missing then, and everything from where delivery stood up to `last`. */
function seqsSince (ordering: LostMember['ordering'], last: bigint): Set<bigint> {
  const seqs = new Set(ordering.missing)
  for (let seq = ordering.nextMsgSeq; seq <= last && seqs.size < MAX_MISSING_PER_SENDER; seq++) seqs.add(seq)
  return seqs
}

export function toUserInfo (m: { userID: string, userName: string }): ZIMUserInfo {
  return { userID: m.userID, userName: m.userName }
}

export class Room {
  readonly roomID: string
  roomName = ''
  destroyDelay = 0
  generation?: Generation
  creation?: SealedCreation
  connected = false
  lastRefresh?: number
  /** when we announced our JOIN (or created the room): what was sent before is history, not live */
  joinedAt = 0
  /** called whenever the set of members not yet heard live may have shrunk */
  onHeard?: () => void
  readonly members = new Map<string, Member>()
  readonly lost = new Map<string, LostMember>()
  private readonly memberWaiters = new Map<string, Set<() => void>>()
  /** verified messages of authors that were not members when they came, by author peer id, oldest author first */
  private readonly unclaimed = new Map<string, Unclaimed[]>()
  /** signatures (by messageID) that came before their message was kept */
  private readonly earlySeals = new Map<string, Uint8Array>()
  /** Seals from direct links not applied yet, with the peer id of the link they came on */
  private heldSeals: Array<{ from: Uint8Array, seals: Seal[] }> = []
  private heldSealCount = 0
  private applyingSeals: ReturnType<typeof setImmediate> | undefined
  private unclaimedCount = 0
  private unclaimedBytes = 0
  private waitingForMember = 0
  /** the member each peer speaks as: one key holds one userID per room */
  private readonly byPeer = new Map<string, Member>()
  readonly session = timeBasedCounter()
  private annSeq = timeBasedCounter()
  msgSeq = 0n
  private clock = 0
  private readonly keySuffix: number
  /** own newest announcement envelope */
  latest?: Uint8Array
  /** room and member attributes, replicated by signed frames */
  readonly attributes: RoomAttributes
  /** an open begin/endRoomAttributesBatchOperation: its changes wait here for the end */
  attributeBatch?: { options: SetOptions, entries: RoomAttribute[] }
  private readonly tombstones = new Map<string, Tombstone>()
  private readonly init: RoomInit
  /** recent messages kept for members that join later; it goes with the room */
  readonly history: HistoryWindow

  constructor (init: RoomInit) {
    this.init = init
    this.roomID = init.roomID
    this.keySuffix = orderKeySuffix(init.localPeerId)
    this.attributes = new RoomAttributes(userID => userID === init.localUserID ? this.session : this.members.get(userID)?.session)
    this.history = new HistoryWindow(init.history?.limit ?? 0, init.history?.maxAge ?? 0)
  }

  get localUserID (): string {
    return this.init.localUserID
  }

  nextAnnouncementSeq (): bigint {
    this.annSeq += 1n
    return this.annSeq
  }

  /** The next strictly increasing Lamport order key for a message we send. */
  nextOrderKey (now = Date.now()): number {
    const fromClock = (Math.floor(this.clock / ORDER_KEY_SENDER_BITS) + 1) * ORDER_KEY_SENDER_BITS + this.keySuffix
    const fromTime = now * ORDER_KEY_SENDER_BITS + this.keySuffix
    this.clock = Math.max(fromClock, fromTime)
    return this.clock
  }

  private observeOrderKey (key: number, now: number): void {
    if (key > this.clock && key <= (now + MAX_ORDER_KEY_SKEW_MS) * ORDER_KEY_SENDER_BITS) {
      this.clock = key
    }
  }

  memberList (): ZIMUserInfo[] {
    return [...this.members.values()].map(toUserInfo)
  }

  /** the userID the peer speaks as in this room, if it is a member */
  speaksAs (peerId: string): string | undefined {
    return this.byPeer.get(peerId)?.userID
  }

  /**
   * Keeps a chat message this room took (or we sent), as the envelope bytes
   * that carried it. Barrage messages are never kept. Costs a copy and a
   * short hash, only when the window keeps anything.
   */
  keepMessage (copy: MessageCopy, frame: Frame, msg: ChatMessage, now = Date.now(), unverified = false): void {
    if (!this.history.enabled || msg.type === ZIMMessageType.Barrage) return
    const messageID = messageIDOfFrame(frame, msg)
    const key = { orderKey: Number(msg.orderKey), messageID, at: now }
    if ('envelope' in copy) {
      // the bytes may be a view into a larger network buffer: keep a copy, not the buffer
      this.history.keep({ ...key, envelope: copyBytes(copy.envelope), unverified }, now)
      return
    }
    const signature = this.earlySeals.get(messageID)
    this.earlySeals.delete(messageID)
    this.history.keep(signature != null
      ? { ...key, envelope: Envelope.encode({ body: copy.body as Uint8Array<ArrayBuffer>, signature: signature as Uint8Array<ArrayBuffer> }), unverified: true }
      : { ...key, body: copyBytes(copy.body), unverified }, now)
  }

  /**
   * Seals the peer `from` (its id as frames carry it) sent on its direct
   * link: held, and applied when history is next handed out (or once many
   * are held), so nothing of them is on the path of the message they came with.
   */
  holdSeals (from: Uint8Array, seals: Seal[]): void {
    if (!this.history.enabled || !this.connected) return
    this.heldSeals.push({ from, seals })
    this.heldSealCount += seals.length
    if (this.heldSealCount > MAX_HELD_SEALS) {
      this.applyingSeals ??= setImmediate(() => {
        this.applyingSeals = undefined
        this.applySeals()
      })
    }
  }

  /** Applies the Seals held: before any of this room's history is handed out. */
  applySeals (): void {
    const held = this.heldSeals
    this.heldSeals = []
    this.heldSealCount = 0
    for (const { from, seals } of held) {
      for (const seal of seals) this.sealMessage(messageIDOf(from, seal.session, seal.seq), seal.signature)
    }
  }

  /**
   * The signature of a message kept as its body: the entry becomes the
   * envelope its author would have published (`checked`: we signed it
   * ourselves; else it is checked before it is first handed out). One that
   * comes before its message is kept (the gate still waits on the author) is
   * remembered a while; one for a message not kept is dropped.
   */
  sealMessage (messageID: string, signature: Uint8Array, checked = false): void {
    if (!this.history.enabled || !this.connected) return
    const entry = this.history.get(messageID)
    if (entry == null) {
      if (this.history.has(messageID)) return
      this.earlySeals.delete(messageID)
      this.earlySeals.set(messageID, copyBytes(signature))
      if (this.earlySeals.size > MAX_EARLY_SEALS) {
        const oldest = this.earlySeals.keys().next().value
        if (oldest != null) this.earlySeals.delete(oldest)
      }
      return
    }
    if (entry.body == null) return
    entry.envelope = Envelope.encode({ body: entry.body as Uint8Array<ArrayBuffer>, signature: signature as Uint8Array<ArrayBuffer> })
    entry.body = undefined
    entry.unverified = !checked
  }

  /**
   * Applies a verified announcement. `live` is false for announcements that
   * came in a snapshot: they add members but do not count as heard.
   */
  applyAnnouncement (author: string, frame: Frame, ann: Announcement, raw: Uint8Array, live: boolean, now = Date.now()): Verdict {
    if (this.generation == null) {
      // still finding out which lifetime of the room we join: members are learnt from the snapshot
      return 'ignore'
    }
    if (ann.generation != null) {
      const theirs = { creatorBytes: ann.generation.creator, createdAt: Number(ann.generation.createdAt) }
      const order = compareGenerations(theirs, this.generation)
      if (order !== 0) {
        if (log.enabled) log('%s at %s: %s speaks for another lifetime of the room (%s): announcement ignored', this.roomID, this.init.localUserID, ann.userID, order < 0 ? 'earlier' : 'later')
        if (order < 0) {
          this.init.callbacks.generationLost(this, theirs)
        }
        return 'ignore'
      }
    }
    if (ann.userID === this.init.localUserID) {
      // nobody else may speak as us; our own frames never come back (emitSelf is off)
      return author === this.init.localPeerId ? 'ignore' : 'reject'
    }
    const existing = this.members.get(ann.userID)
    if (existing != null && existing.peerId !== author) {
      if (log.enabled) log('%s at %s: %s from a second key refused (bound to %s)', this.roomID, this.init.localUserID, ann.userID, existing.peerId)
      // first key wins; but the holder may be a crashed earlier login of this user: check it is still there
      if (live && this.connected) this.init.callbacks.suspect(this, existing)
      return 'reject'
    }
    const tomb = this.tombstones.get(ann.userID)
    if (tomb != null && tomb.peerId === author && ann.seq <= tomb.seq) {
      if (log.enabled && existing == null) log('%s at %s: %s announcement %d is older than its departure: ignored', this.roomID, this.init.localUserID, ann.userID, ann.seq)
      return 'ignore'
    }
    if (existing != null && ann.seq <= existing.seq) {
      return 'ignore'
    }
    const held = existing == null ? this.byPeer.get(author) : undefined
    if (held != null) {
      // the peer speaks as another user: only a newer session (it logged in again as someone else) replaces that user
      if (frame.session <= held.session || ann.kind === Announcement.Kind.LEAVE) return 'reject'
      this.removeMembers([held])
    }
    if (existing == null && ann.kind !== Announcement.Kind.LEAVE && this.members.size + 1 >= this.init.maxMembers) {
      if (log.enabled) log('%s at %s: full, %s not taken in', this.roomID, this.init.localUserID, ann.userID)
      return 'ignore'
    }
    const lost = existing == null && ann.kind !== Announcement.Kind.LEAVE ? this.lost.get(author) : undefined
    if (lost != null && lost.reachable !== true) {
      if (log.enabled) log('%s at %s: %s is lost, not yet reached: announcement ignored', this.roomID, this.init.localUserID, ann.userID)
      // frames of a member cut off may still arrive from before the cut: believe it once a dial reaches it
      if (live && this.connected) {
        if (lost.heard == null || ann.seq > lost.heard.seq) lost.heard = { seq: ann.seq, raw: copyBytes(raw) }
        this.init.callbacks.lostHeard(this, lost, ann.addrs.map(a => copyBytes(a)))
      }
      return 'ignore'
    }

    if (ann.kind === Announcement.Kind.LEAVE) {
      this.bury(ann.userID, author, ann.seq, now)
      if (existing != null) {
        this.remove(existing)
        if (this.connected) this.init.callbacks.left(this, [toUserInfo(existing)])
      }
      return 'accept'
    }

    if (existing == null) {
      const resumed = lost?.ordering.session === frame.session && lost.ordering.userID === ann.userID ? lost.ordering : undefined
      const member: Member = {
        userID: ann.userID,
        userName: ann.userName,
        peerId: author,
        session: frame.session,
        seq: ann.seq,
        lastSeen: now,
        // decoded fields are views into a network buffer: keep copies of what outlives this call
        addrs: ann.addrs.map(a => copyBytes(a)),
        latest: copyBytes(raw),
        heard: live,
        nextMsgSeq: ann.msgSeq + 1n,
        announcedMsgSeq: ann.msgSeq,
        from: copyBytes(frame.from),
        pending: new Map(),
        // back in the session we lost it in: exactly the messages we had not delivered are still
        // welcome. Met live: its last messages may still be on their way to us (they can overtake
        // the announcement), so they are delivered if they come, once
        missing: resumed != null ? seqsSince(resumed, ann.msgSeq) : live ? recentSeqs(ann.msgSeq) : new Set(),
        attributesDigest: copyBytes(ann.attributesDigest)
      }
      this.tombstones.delete(ann.userID)
      this.lost.delete(author)
      this.members.set(ann.userID, member)
      this.byPeer.set(author, member)
      this.ownerChanged(ann.userID, undefined)
      if (live && this.connected) {
        this.init.callbacks.joined(this, [toUserInfo(member)])
      }
      this.wakeWaiters(author)
      this.claim(member, now)
      // what it sent while we took it for gone, or before we heard of it, and never came: ask for it
      if (live && this.connected) this.askForMissing(member)
    } else {
      if (existing.session !== frame.session) {
        // the same user rejoined (a restart): its message numbering starts over
        this.resetOrdering(existing)
        const before = existing.session
        existing.session = frame.session
        this.ownerChanged(existing.userID, before)
        this.wakeWaiters(author)
        existing.nextMsgSeq = ann.msgSeq + 1n
        existing.announcedMsgSeq = ann.msgSeq
        if (live) existing.missing = recentSeqs(ann.msgSeq)
        this.claim(existing, now)
        if (live && this.connected) this.askForMissing(existing)
      } else if (!this.connected && existing.pending.size === 0 && ann.msgSeq >= existing.nextMsgSeq) {
        // while joining: messages sent before we could hear them mostly never come, so skip the gap,
        // but the last few may still be in flight: delivered late if they come (and so forwarded).
        // Once in the room an announcement may overtake a message on another path: never skip then.
        for (let seq = ann.msgSeq; seq >= existing.nextMsgSeq && seq > ann.msgSeq - RECENT_SEQS_ON_MEETING && existing.missing.size < MAX_MISSING_PER_SENDER; seq--) existing.missing.add(seq)
        existing.nextMsgSeq = ann.msgSeq + 1n
      } else if (live && this.connected && ann.msgSeq >= existing.nextMsgSeq) {
        // it sent messages we have not had: on their way (announcements can overtake them), or lost
        this.expectMessages(existing, ann.msgSeq)
      }
      existing.seq = ann.seq
      existing.userName = ann.userName
      existing.lastSeen = now
      existing.addrs = ann.addrs.map(a => copyBytes(a))
      existing.latest = copyBytes(raw)
      existing.heard ||= live
      existing.attributesDigest = copyBytes(ann.attributesDigest)
    }
    if (live) this.onHeard?.()
    const speaker = this.members.get(ann.userID)
    if (live && this.connected && speaker != null && !this.attributes.sameDigest(ann.attributesDigest)) {
      this.init.callbacks.attributesDiffer(this, speaker)
    }
    if (live && this.connected && ann.kind === Announcement.Kind.JOIN && answers(this.init.localPeerId, author, this.peerIds())) {
      this.init.callbacks.joinSeen(this, author)
    }
    if (live && this.connected && ann.kind === Announcement.Kind.GONE) {
      const gone = this.members.get(ann.goneUserID)
      if (gone != null && gone.session === ann.goneSession) this.init.callbacks.suspect(this, gone)
      // somebody thinks we are gone: the manager answers so everyone hears us
      if (ann.goneUserID === this.init.localUserID) this.init.callbacks.joinSeen(this, author)
    }
    return 'accept'
  }

  /**
   * Resolves true once `author` is a member (in `session` or a later one, if
   * given), false after `timeout` ms. A member's first message can overtake
   * the announcement that introduces it, or that starts its new session after
   * a rejoin (they travel different paths); the validator holds such a
   * message this long rather than drop it. Bounded: past the cap it answers at once.
   */
  async awaitMember (author: string, timeout: number, session?: bigint): Promise<boolean> {
    const ready = (): boolean => {
      const member = this.byPeer.get(author)
      return member != null && (session == null || member.session >= session)
    }
    if (ready()) return true
    if (!this.connected || this.waitingForMember >= MAX_WAITING_FOR_MEMBER) return false
    this.waitingForMember++
    const waiters = this.memberWaiters.get(author) ?? new Set()
    this.memberWaiters.set(author, waiters)
    return new Promise<boolean>(resolve => {
      const finish = (): void => {
        clearTimeout(timer)
        waiters.delete(check)
        if (waiters.size === 0 && this.memberWaiters.get(author) === waiters) this.memberWaiters.delete(author)
        this.waitingForMember--
        resolve(ready())
      }
      // woken when the author's membership changes; the room closing wakes everyone for good
      const check = (): void => { if (ready() || !this.connected) finish() }
      const timer = setTimeout(finish, timeout)
      waiters.add(check)
    })
  }

  private wakeWaiters (author: string): void {
    for (const wake of [...this.memberWaiters.get(author) ?? []]) wake()
  }

  /**
   * A frame came from `author`, not a member: if it is a member we lost (a
   * partition, or our own stall made it look gone), the manager dials it, so
   * that its announcement, and the frames waiting on it, count again at once.
   */
  lostSpeaks (author: string): void {
    const lost = this.lost.get(author)
    if (lost != null && lost.reachable !== true && this.connected) this.init.callbacks.lostHeard(this, lost, [])
  }

  /**
   * Keeps a verified message whose author is not a member (after the gate
   * waited for its announcement): delivered if the announcement that makes
   * the author a member in the message's session comes within the keep time.
   */
  park (author: string, frame: Frame, msg: ChatMessage, copy: MessageCopy, now = Date.now()): void {
    const bytes = bytesOf(copy)
    if (!this.connected || bytes.byteLength > MAX_UNCLAIMED_BYTES) return
    if (log.enabled) log('%s at %s: message %s (seq %d) from %s (%s) kept until its author is a member', this.roomID, this.init.localUserID, messageIDOf(frame.from, frame.session, msg.seq), msg.seq, msg.userID, author)
    const held = this.unclaimed.get(author) ?? []
    // decoded fields are views into a network buffer: keep copies of the bytes, not the buffer
    held.push({ frame: { from: copyBytes(frame.from), roomID: frame.roomID, session: frame.session }, msg: { ...msg, data: copyBytes(msg.data) }, copy: 'envelope' in copy ? { envelope: copyBytes(bytes) } : { body: copyBytes(bytes) }, at: now })
    this.unclaimed.delete(author)
    this.unclaimed.set(author, held)
    this.unclaimedCount++
    this.unclaimedBytes += bytes.byteLength
    if (held.length > MAX_UNCLAIMED_PER_AUTHOR) this.dropUnclaimed(author, 1)
    // past the bounds the author heard from least recently loses its oldest
    while (this.unclaimedCount > MAX_UNCLAIMED || this.unclaimedBytes > MAX_UNCLAIMED_BYTES) {
      const oldest = this.unclaimed.keys().next().value
      if (oldest == null) break
      this.dropUnclaimed(oldest, 1)
    }
  }

  private dropUnclaimed (author: string, count: number): Unclaimed[] {
    const held = this.unclaimed.get(author)
    if (held == null) return []
    const dropped = held.splice(0, count)
    if (held.length === 0) this.unclaimed.delete(author)
    this.unclaimedCount -= dropped.length
    for (const u of dropped) this.unclaimedBytes -= bytesOf(u.copy).byteLength
    return dropped
  }

  /** Delivers what `member` sent in its current session before we knew it as a member. */
  private claim (member: Member, now: number): void {
    const held = this.unclaimed.get(member.peerId)
    if (held == null || !this.connected) return
    const mine = held.filter(u => u.frame.session === member.session && u.msg.userID === member.userID)
    // a later session's messages wait for that session's announcement; earlier ones are old news
    const later = held.filter(u => u.frame.session > member.session)
    this.dropUnclaimed(member.peerId, held.length)
    for (const u of later) this.park(member.peerId, u.frame, u.msg, u.copy, u.at)
    mine.sort((a, b) => a.msg.seq < b.msg.seq ? -1 : a.msg.seq > b.msg.seq ? 1 : 0)
    for (const u of mine) {
      if (this.members.get(member.userID) !== member) return
      if (this.applyMessage(member.peerId, u.frame, u.msg, now) === 'accept') {
        log('%s at %s: message %s (seq %d) from %s delivered after its author became a member', this.roomID, this.init.localUserID, messageIDOf(u.frame.from, u.frame.session, u.msg.seq), u.msg.seq, member.userID)
        this.keepMessage(u.copy, u.frame, u.msg, now)
      }
    }
  }

  /**
   * Merges a verified attribute frame: live from a member, or handed over by
   * a member (a joiner's snapshot, reported to nobody; a repair after digests
   * differed, reported), whose author may have left since.
   */
  applyAttributes (author: string, frame: Frame, update: AttributeUpdate, raw: Uint8Array, source: 'live' | 'snapshot' | 'repair' = 'live'): Verdict {
    if (this.generation == null) return 'ignore'
    const member = this.byPeer.get(author)
    if (source === 'live' && member == null && author !== this.init.localPeerId) return 'ignore'
    if (!wellFormed(update)) return 'reject'
    // decoded fields are views into a network buffer: keep copies of what outlives this call
    const changes = this.attributes.merge(copyBytes(frame.from), update, copyBytes(raw))
    if (source !== 'snapshot' && this.connected && (changes.room.length > 0 || changes.members.size > 0)) {
      this.init.callbacks.attributesChanged(this, changes, member?.userID ?? this.init.localUserID, update.batch)
    }
    // old news (a replay, or a copy a repair brought again) is not passed on
    return changes.taken > 0 ? 'accept' : 'ignore'
  }

  /** Applies a verified chat message; delivers it, in order, through the callbacks. */
  applyMessage (author: string, frame: Frame, msg: ChatMessage, now = Date.now()): Verdict {
    if (!this.connected) {
      return 'ignore'
    }
    const member = this.members.get(msg.userID)
    if (member == null) {
      // a sender we have not heard join: maybe a race, maybe a forgery; never delivered
      if (log.enabled) log('%s at %s: message %s from %s ignored: not a member', this.roomID, this.init.localUserID, messageIDOf(frame.from, frame.session, msg.seq), msg.userID)
      return msg.userID === this.init.localUserID ? 'reject' : 'ignore'
    }
    if (member.peerId !== author) {
      return 'reject'
    }
    const late = msg.seq < member.nextMsgSeq && member.missing.has(msg.seq)
    if (member.session !== frame.session || (msg.seq < member.nextMsgSeq && !late) || member.pending.has(msg.seq)) {
      if (log.enabled) log('%s at %s: message %s (seq %d) from %s ignored: session %s, next seq %d, pending %s', this.roomID, this.init.localUserID, messageIDOf(frame.from, frame.session, msg.seq),
        msg.seq, msg.userID, member.session === frame.session ? 'same' : 'other', member.nextMsgSeq, member.pending.has(msg.seq))
      return 'ignore'
    }
    member.lastSeen = now
    const orderKey = Number(msg.orderKey)
    this.observeOrderKey(orderKey, now)
    const message = this.toZIMMessage(frame, msg)
    if (late) {
      // it outlasted the reorder window: better late and out of order than lost
      member.missing.delete(msg.seq)
      this.init.callbacks.message(this, message)
    } else if (msg.seq === member.nextMsgSeq) {
      member.nextMsgSeq += 1n
      this.init.callbacks.message(this, message)
      this.drain(member)
    } else {
      member.pending.set(msg.seq, message)
      if (member.pending.size > MAX_PENDING_PER_SENDER) {
        this.skipGap(member)
      } else {
        this.armGap(member)
      }
    }
    return 'accept'
  }

  /** Those of `seqs` of `member` not delivered yet: ahead of delivery and not held, or skipped and remembered as missing. */
  undelivered (member: Member, seqs: bigint[]): bigint[] {
    return seqs.filter(seq => member.missing.has(seq) || (seq >= member.nextMsgSeq && !member.pending.has(seq)))
  }

  /**
   * A verified message a recovery brought back: applied like a live copy
   * and kept, unless our window shows it was delivered already (a member we
   * lost track of and met again has its last seqs asked for, and some of
   * them may have come before).
   */
  applyRecovered (author: string, frame: Frame, msg: ChatMessage, envelope: Uint8Array, now = Date.now()): Verdict {
    if (this.history.has(messageIDOf(frame.from, frame.session, msg.seq))) return 'ignore'
    const verdict = this.applyMessage(author, frame, msg, now)
    if (verdict === 'accept') this.keepMessage({ envelope }, frame, msg, now)
    return verdict
  }

  /** A verified chat message as ZIM shows it, live or from history (`Send` for our own). */
  toZIMMessage (frame: Frame, msg: ChatMessage, direction = ZIMMessageDirection.Receive): ZIMMessage {
    const base = {
      messageID: messageIDOfFrame(frame, msg),
      localMessageID: '',
      senderUserID: msg.userID,
      conversationID: this.roomID,
      conversationType: ZIMConversationType.Room,
      direction,
      sentStatus: ZIMMessageSentStatus.Success,
      timestamp: Number(msg.timestamp),
      orderKey: Number(msg.orderKey),
      extendedData: msg.extendedData
    }
    switch (msg.type) {
      case ZIMMessageType.Command:
        return { ...base, type: ZIMMessageType.Command, message: new Uint8Array(msg.data) } as ZIMMessage
      case ZIMMessageType.Custom:
        return { ...base, type: ZIMMessageType.Custom, message: msg.text, subType: msg.subType, searchedContent: msg.searchedContent } as ZIMMessage
      default:
        return { ...base, type: msg.type, message: msg.text } as ZIMMessage
    }
  }

  private drain (member: Member): void {
    let next = member.pending.get(member.nextMsgSeq)
    while (next != null) {
      member.pending.delete(member.nextMsgSeq)
      member.nextMsgSeq += 1n
      this.init.callbacks.message(this, next)
      next = member.pending.get(member.nextMsgSeq)
    }
    if (member.pending.size === 0 && member.gapTimer != null) {
      clearTimeout(member.gapTimer)
      member.gapTimer = undefined
      member.gapRecoveryAsked = false
    }
  }

  /** A gap holds messages back: in a reorder window its messages are asked for, in another it is skipped. */
  private armGap (member: Member): void {
    if (member.gapTimer != null) return
    member.gapTimer = setTimeout(() => {
      member.gapTimer = undefined
      if (!this.connected || this.members.get(member.userID) !== member || member.pending.size === 0) return
      if (member.gapRecoveryAsked === true) {
        this.skipGap(member)
        return
      }
      member.gapRecoveryAsked = true
      const seqs: bigint[] = []
      for (let seq = member.nextMsgSeq; seqs.length < MAX_RECOVERED_AT_ONCE && !member.pending.has(seq); seq++) seqs.push(seq)
      this.init.callbacks.recover(this, member, seqs)
      this.armGap(member)
    }, this.init.reorderWindow)
  }

  /** Asks for the seqs of `member` remembered as missing (the newest, if too many). */
  private askForMissing (member: Member): void {
    if (member.missing.size === 0) return
    this.init.callbacks.recover(this, member, [...member.missing].sort((a, b) => a < b ? -1 : a > b ? 1 : 0).slice(-MAX_RECOVERED_AT_ONCE))
  }

  /**
   * Its announcement says `member` sent up to `last`: whatever of that has
   * not come a reorder window later (and no gap already covers) is skipped
   * and asked for; it is delivered, late, if it comes.
   */
  private expectMessages (member: Member, last: bigint): void {
    if (last > member.announcedMsgSeq) member.announcedMsgSeq = last
    if (member.tailTimer != null) return
    member.tailTimer = setTimeout(() => {
      member.tailTimer = undefined
      if (!this.connected || this.members.get(member.userID) !== member || member.pending.size > 0) return
      const seqs: bigint[] = []
      for (let seq = member.nextMsgSeq; seq <= member.announcedMsgSeq && seqs.length < MAX_RECOVERED_AT_ONCE; seq++) seqs.push(seq)
      if (seqs.length === 0) return
      // every seq jumped over is remembered (within the bound), not only those asked for now
      for (let seq = member.nextMsgSeq; seq <= member.announcedMsgSeq && member.missing.size < MAX_MISSING_PER_SENDER; seq++) member.missing.add(seq)
      member.nextMsgSeq = member.announcedMsgSeq + 1n
      this.init.callbacks.recover(this, member, seqs)
    }, this.init.reorderWindow)
  }

  /** Gives up on a missing message: delivers what is held, in order, from the lowest. */
  private skipGap (member: Member): void {
    // a room being left delivers nothing more, even what a gap held back
    if (!this.connected) return
    member.gapRecoveryAsked = false
    this.jumpGap(member)
    if (member.pending.size > 0) this.armGap(member)
  }

  /** Jumps over the gap before the lowest held message (remembering the seqs skipped) and delivers what follows it in order. */
  private jumpGap (member: Member): void {
    let lowest: bigint | undefined
    for (const seq of member.pending.keys()) {
      if (lowest == null || seq < lowest) lowest = seq
    }
    if (lowest == null) return
    for (let seq = lowest - 1n; seq >= member.nextMsgSeq && member.missing.size < MAX_MISSING_PER_SENDER; seq--) {
      member.missing.add(seq)
    }
    member.nextMsgSeq = lowest
    this.drain(member)
  }

  private resetOrdering (member: Member): void {
    if (member.gapTimer != null) {
      clearTimeout(member.gapTimer)
      member.gapTimer = undefined
    }
    if (member.tailTimer != null) {
      clearTimeout(member.tailTimer)
      member.tailTimer = undefined
    }
    member.gapRecoveryAsked = false
    member.pending.clear()
    member.missing.clear()
  }

  private markLost (member: Member, now: number): void {
    if (member.addrs.length === 0) return
    const wait = this.init.heartbeatInterval
    const ordering = { userID: member.userID, session: member.session, nextMsgSeq: member.nextMsgSeq, missing: new Set(member.missing) }
    this.lost.set(member.peerId, { peerId: member.peerId, addrs: member.addrs, until: now + this.init.memberTimeout * LOST_REDIAL_TIMEOUTS, nextTry: now + wait, wait, ordering })
    if (this.lost.size > MAX_LOST) {
      const oldest = this.lost.keys().next().value
      if (oldest != null) this.lost.delete(oldest)
    }
  }

  /** Remembers a departed user's last seq for a while, so replays of its announcements change nothing. */
  private bury (userID: string, peerId: string, seq: bigint, now: number): void {
    this.tombstones.delete(userID)
    this.tombstones.set(userID, { peerId, seq, until: now + this.init.memberTimeout * 2 })
    if (this.tombstones.size > this.init.maxMembers) {
      // the oldest goes first (a Map keeps insertion order)
      const oldest = this.tombstones.keys().next().value
      if (oldest != null) this.tombstones.delete(oldest)
    }
  }

  /** Delivers, in order, what `member`'s gaps held back: it is leaving, nothing will fill them now. */
  private flushPending (member: Member): void {
    while (this.connected && member.pending.size > 0) this.jumpGap(member)
  }

  private remove (member: Member): void {
    this.flushPending(member)
    this.resetOrdering(member)
    this.members.delete(member.userID)
    if (this.byPeer.get(member.peerId) === member) this.byPeer.delete(member.peerId)
    this.ownerChanged(member.userID, member.session)
    this.onHeard?.()
  }

  /** A member's session changed (it joined, left or came back): report the room keys that show or hide with it. */
  private ownerChanged (userID: string, before: bigint | undefined): void {
    const changes = this.attributes.ownerChanged(userID, before)
    if (changes.room.length > 0 && this.connected) this.init.callbacks.attributesChanged(this, changes, undefined, false)
  }

  /** every member that answers our join (all of them in rooms up to ANSWERING_MEMBERS) has been heard live */
  allHeard (): boolean {
    const answering = answerers(this.init.localPeerId, this.peerIds())
    for (const m of this.members.values()) {
      if (!m.heard && answering.has(m.peerId)) return false
    }
    return true
  }

  /** peer ids of the members and of ourselves */
  private peerIds (): string[] {
    return [this.init.localPeerId, ...[...this.members.values()].map(m => m.peerId)]
  }

  /** Removes members found gone (a failed check), reporting them left once. */
  removeMembers (gone: Member[], now = Date.now()): void {
    const present = gone.filter(m => this.members.get(m.userID) === m)
    for (const member of present) {
      this.bury(member.userID, member.peerId, member.seq, now)
      this.flushPending(member)
      this.markLost(member, now)
      this.remove(member)
    }
    if (present.length > 0 && this.connected) {
      this.init.callbacks.left(this, present.map(toUserInfo))
    }
  }

  /** Drops members not heard from within the timeout, and old tombstones. */
  sweep (now = Date.now()): void {
    const gone = [...this.members.values()].filter(m => now - m.lastSeen > this.init.memberTimeout)
    for (const member of gone) {
      log('%s at %s: %s not heard for %d ms: gone', this.roomID, this.init.localUserID, member.userID, now - member.lastSeen)
      this.bury(member.userID, member.peerId, member.seq, now)
      this.flushPending(member)
      this.markLost(member, now)
      this.remove(member)
    }
    for (const [peerId, lost] of this.lost) {
      if (lost.until < now) this.lost.delete(peerId)
    }
    for (const [userID, tomb] of this.tombstones) {
      if (tomb.until < now) this.tombstones.delete(userID)
    }
    const keep = Math.min(MAX_UNCLAIMED_MS, this.init.memberTimeout * UNCLAIMED_TIMEOUTS)
    for (const [author, held] of [...this.unclaimed]) {
      const expired = held.findIndex(u => now - u.at <= keep)
      this.dropUnclaimed(author, expired < 0 ? held.length : expired)
    }
    if (gone.length > 0 && this.connected) {
      this.init.callbacks.left(this, gone.map(toUserInfo))
    }
  }

  /** Stops every timer; the room is gone. */
  close (): void {
    this.history.clear()
    this.unclaimed.clear()
    this.earlySeals.clear()
    this.heldSeals = []
    this.heldSealCount = 0
    if (this.applyingSeals != null) clearImmediate(this.applyingSeals)
    this.applyingSeals = undefined
    this.unclaimedCount = 0
    this.unclaimedBytes = 0
    for (const member of this.members.values()) {
      this.resetOrdering(member)
    }
    this.connected = false
    for (const waiters of [...this.memberWaiters.values()]) {
      for (const wake of [...waiters]) wake()
    }
  }
}
