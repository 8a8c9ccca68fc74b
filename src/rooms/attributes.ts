/**
 * A room's attributes and its members' attributes, replicated without a
 * server. Every (room key) and every (member, key) is a last-writer-wins
 * register ordered by (Lamport clock, author peer id bytes): members that
 * applied the same frames hold the same entries, whatever order the frames
 * came in. An entry that goes when its owner leaves names the owner's
 * membership session and shows only while the owner is in the room in that
 * session: a function of the entries and the member list, so it is the same
 * at every member that sees the same members, a rejoin (a new session)
 * included, and needs no message of its own.
 *
 * Pure state. ZIM's ownership rules (isForce, isUpdateOwner) are the
 * writer's to apply before it publishes (`planSet`, `planDelete`); receivers
 * merge whatever a member signed. A digest over every stamp lets members
 * find out cheaply that they differ (it rides on announcements).
 */
import { createHash } from 'node:crypto'
import type { AttributeUpdate, MemberAttribute, RoomAttribute } from '../wire/roomsub.js'

/** ZIM's limits, checked by the writer. */
export const ATTRIBUTE_LIMITS = {
  roomKeys: 20,
  roomKeyBytes: 16,
  roomValueBytes: 1024,
  roomTotalBytes: 5120,
  memberPairs: 30,
  memberKeyBytes: 8,
  memberValueBytes: 64,
  memberTotalBytes: 144
} as const

/**
 * What a frame from the network may hold at most. Honest writers stay within
 * ZIM's limits, but concurrent writers may together pass them, so receivers
 * only refuse what no honest member could send and cap the state they keep.
 */
export const WIRE_LIMITS = {
  roomEntriesPerFrame: 64,
  memberEntriesPerFrame: 100 * ATTRIBUTE_LIMITS.memberPairs,
  /** room keys kept, tombstones included: past it the oldest tombstones go */
  roomEntries: 256,
  /** member entries kept in all, tombstones included */
  memberEntries: 65_536
} as const

/** A clock at or past this is refused: a hostile member cannot push everyone's clock to overflow. */
export const MAX_ATTRIBUTE_CLOCK = 2n ** 62n

export enum AttributeAction { Set = 0, Delete = 1 }

/** What one merge changed, as the local member sees it. */
export interface AttributeChanges {
  /** room keys whose visible value changed: set ones with their new value, deleted ones with their last value */
  room: Array<{ action: AttributeAction, key: string, value: string }>
  /** members whose visible attributes changed, with the keys that changed to their new values */
  members: Map<string, Record<string, string>>
  /** entries the merge took (newer than what was held), visible or not: 0 means the frame was old news */
  taken: number
}

interface Stamp {
  clock: bigint
  author: Uint8Array
}

interface Entry extends Stamp {
  value: string
  /** deleted by a writer */
  deleted: boolean
  owner: string
  deleteAfterOwnerLeft: boolean
  /** with deleteAfterOwnerLeft: the owner's session it belongs to */
  ownerSession: bigint
  /** the signed frame that set it, handed to joiners */
  frame: Uint8Array
  hash: bigint
}

export interface SetOptions {
  isForce: boolean
  isDeleteAfterOwnerLeft: boolean
  isUpdateOwner: boolean
}

export interface Plan<T> {
  entries: T[]
  errorKeys: string[]
}

function compareStamps (a: Stamp, b: Stamp): number {
  if (a.clock !== b.clock) return a.clock < b.clock ? -1 : 1
  return Buffer.compare(a.author, b.author)
}

function stampHash (scope: string, key: string, stamp: Stamp): bigint {
  return createHash('sha256').update(scope).update('\0').update(key).update('\0').update(stamp.clock.toString()).update('\0').update(stamp.author).digest().readBigUInt64BE(0)
}

/** The session `userID` is in the room with now (ourselves included), if it is. */
export type SessionOf = (userID: string) => bigint | undefined

function byteLength (s: string): number {
  return Buffer.byteLength(s, 'utf8')
}

/** Whether a frame's entries are within what an honest member sends. */
export function wellFormed (update: AttributeUpdate): boolean {
  if (update.clock === 0n || update.clock >= MAX_ATTRIBUTE_CLOCK) return false
  if (update.room.length + update.members.length === 0) return false
  if (update.room.length > WIRE_LIMITS.roomEntriesPerFrame || update.members.length > WIRE_LIMITS.memberEntriesPerFrame) return false
  for (const a of update.room) {
    if (a.key === '' || byteLength(a.key) > ATTRIBUTE_LIMITS.roomKeyBytes || byteLength(a.value) > ATTRIBUTE_LIMITS.roomValueBytes || byteLength(a.owner) > 32) return false
  }
  for (const a of update.members) {
    if (a.key === '' || a.userID === '' || byteLength(a.userID) > 32 || byteLength(a.key) > ATTRIBUTE_LIMITS.memberKeyBytes || byteLength(a.value) > ATTRIBUTE_LIMITS.memberValueBytes) return false
  }
  return true
}

export class RoomAttributes {
  private readonly sessionOf: SessionOf
  private readonly room = new Map<string, Entry>()
  private readonly members = new Map<string, Map<string, Entry>>()
  private memberEntries = 0
  /** the largest clock seen: our next write is stamped one past it */
  private clock = 0n
  private digestValue = 0n

  constructor (sessionOf: SessionOf) {
    this.sessionOf = sessionOf
  }

  private visible (entry: Entry | undefined): entry is Entry {
    return entry != null && !entry.deleted && (!entry.deleteAfterOwnerLeft || this.sessionOf(entry.owner) === entry.ownerSession)
  }

  /** The next clock for a write of ours. */
  nextClock (): bigint {
    this.clock += 1n
    return this.clock
  }

  /** 8 bytes over every stamp held (empty when nothing is): equal digests mean equal states. */
  digest (): Uint8Array {
    if (this.digestValue === 0n) return new Uint8Array(0)
    const bytes = new Uint8Array(8)
    new DataView(bytes.buffer).setBigUint64(0, this.digestValue)
    return bytes
  }

  sameDigest (other: Uint8Array): boolean {
    const mine = this.digest()
    return Buffer.from(mine).equals(Buffer.from(other))
  }

  values (): Record<string, string> {
    const out: Record<string, string> = {}
    for (const [key, entry] of this.room) if (this.visible(entry)) out[key] = entry.value
    return out
  }

  memberValues (userID: string): Record<string, string> {
    const out: Record<string, string> = {}
    for (const [key, entry] of this.members.get(userID) ?? []) if (this.visible(entry)) out[key] = entry.value
    return out
  }

  /** userIDs that have at least one attribute, sorted */
  membersWithAttributes (): string[] {
    return [...this.members.keys()].filter(u => Object.keys(this.memberValues(u)).length > 0).sort()
  }

  /** The signed frames that hold the current state (each once), for a joiner. */
  frames (): Uint8Array[] {
    const frames = new Set<Uint8Array>()
    for (const entry of this.room.values()) frames.add(entry.frame)
    for (const entries of this.members.values()) for (const entry of entries.values()) frames.add(entry.frame)
    return [...frames]
  }

  /**
   * Merges a verified frame by `author` (peer id bytes); `raw` is its signed
   * envelope.
   */
  merge (author: Uint8Array, update: AttributeUpdate, raw: Uint8Array): AttributeChanges {
    const changes: AttributeChanges = { room: [], members: new Map(), taken: 0 }
    const stamp: Stamp = { clock: update.clock, author }
    if (update.clock > this.clock) this.clock = update.clock
    for (const a of update.room) this.mergeRoom(a, stamp, raw, changes)
    for (const a of update.members) this.mergeMember(a, stamp, raw, changes)
    this.evict()
    return changes
  }

  private entryOf (a: RoomAttribute | MemberAttribute, stamp: Stamp, raw: Uint8Array, scope: string): Entry {
    return {
      clock: stamp.clock,
      author: stamp.author,
      value: a.value,
      deleted: 'deleted' in a ? a.deleted : false,
      owner: 'owner' in a ? a.owner : a.userID,
      deleteAfterOwnerLeft: a.deleteAfterOwnerLeft,
      ownerSession: a.ownerSession,
      frame: raw,
      hash: stampHash(scope, a.key, stamp)
    }
  }

  private mergeRoom (a: RoomAttribute, stamp: Stamp, raw: Uint8Array, changes: AttributeChanges): void {
    const old = this.room.get(a.key)
    if (old != null && compareStamps(stamp, old) <= 0) return
    const entry = this.entryOf(a, stamp, raw, '')
    this.digestValue ^= (old?.hash ?? 0n) ^ entry.hash
    this.room.set(a.key, entry)
    changes.taken++
    if (this.visible(entry) && (!this.visible(old) || old.value !== entry.value)) {
      changes.room.push({ action: AttributeAction.Set, key: a.key, value: entry.value })
    } else if (!this.visible(entry) && this.visible(old)) {
      changes.room.push({ action: AttributeAction.Delete, key: a.key, value: old.value })
    }
  }

  private mergeMember (a: MemberAttribute, stamp: Stamp, raw: Uint8Array, changes: AttributeChanges): void {
    let entries = this.members.get(a.userID)
    const old = entries?.get(a.key)
    if (old != null && compareStamps(stamp, old) <= 0) return
    const entry = this.entryOf(a, stamp, raw, `\0${a.userID}`)
    if (entries == null) {
      entries = new Map()
      this.members.set(a.userID, entries)
    }
    if (old == null) this.memberEntries++
    this.digestValue ^= (old?.hash ?? 0n) ^ entry.hash
    entries.set(a.key, entry)
    changes.taken++
    if (this.visible(entry) && (!this.visible(old) || old.value !== entry.value)) {
      const changed = changes.members.get(a.userID) ?? {}
      changed[a.key] = entry.value
      changes.members.set(a.userID, changed)
    }
  }

  /**
   * `userID`'s session in the room changed (it joined, left, or came back in
   * a new session; `before` is its session until now): what its entries that
   * go with their owner show changed with it. Member attributes change
   * silently (the member's own join or leave says it); room keys are reported.
   */
  ownerChanged (userID: string, before: bigint | undefined): AttributeChanges {
    const changes: AttributeChanges = { room: [], members: new Map(), taken: 0 }
    const now = this.sessionOf(userID)
    for (const [key, entry] of this.room) {
      if (entry.owner !== userID || !entry.deleteAfterOwnerLeft || entry.deleted) continue
      const was = entry.ownerSession === before
      const is = entry.ownerSession === now
      if (was && !is) changes.room.push({ action: AttributeAction.Delete, key, value: entry.value })
      if (!was && is) changes.room.push({ action: AttributeAction.Set, key, value: entry.value })
    }
    return changes
  }

  /** Keeps the state bounded: the oldest tombstones go first, the same ones at every member. */
  private evict (): void {
    if (this.room.size > WIRE_LIMITS.roomEntries) {
      const dead = [...this.room].filter(([, e]) => !this.visible(e)).sort((a, b) => compareStamps(a[1], b[1]))
      for (const [key, entry] of dead.slice(0, this.room.size - WIRE_LIMITS.roomEntries)) {
        this.digestValue ^= entry.hash
        this.room.delete(key)
      }
    }
    if (this.memberEntries > WIRE_LIMITS.memberEntries) {
      const dead = [...this.members].flatMap(([userID, entries]) => [...entries].filter(([, e]) => !this.visible(e)).map(([key, e]) => ({ userID, key, e })))
        .sort((a, b) => compareStamps(a.e, b.e))
      for (const { userID, key, e } of dead.slice(0, this.memberEntries - WIRE_LIMITS.memberEntries)) {
        this.digestValue ^= e.hash
        const entries = this.members.get(userID)
        entries?.delete(key)
        if (entries?.size === 0) this.members.delete(userID)
        this.memberEntries--
      }
    }
  }

  /**
   * The entries a set by `self` makes, as ZIM's ownership rules allow, on top
   * of `pending` (a batch not yet published). Keys another user owns fail
   * without isForce. Throws nothing: limits are the caller's to check with `limitOf`.
   */
  planSet (attrs: Record<string, string>, self: string, options: SetOptions, pending: RoomAttribute[] = []): Plan<RoomAttribute> {
    const view = this.viewWith(pending)
    const entries: RoomAttribute[] = []
    const errorKeys: string[] = []
    for (const [key, value] of Object.entries(attrs)) {
      const current = view.get(key)
      if (current != null && current.owner !== self && !options.isForce) {
        errorKeys.push(key)
        continue
      }
      const owner = current == null || current.owner === self || options.isUpdateOwner ? self : current.owner
      entries.push({ key, value, deleted: false, owner, deleteAfterOwnerLeft: options.isDeleteAfterOwnerLeft, ownerSession: this.sessionOf(owner) ?? 0n })
    }
    return { entries, errorKeys }
  }

  /** The entries a delete by `self` makes; keys that do not exist are already deleted. */
  planDelete (keys: string[], self: string, isForce: boolean, pending: RoomAttribute[] = []): Plan<RoomAttribute> {
    const view = this.viewWith(pending)
    const entries: RoomAttribute[] = []
    const errorKeys: string[] = []
    for (const key of new Set(keys)) {
      const current = view.get(key)
      if (current == null) continue
      if (current.owner !== self && !isForce) {
        errorKeys.push(key)
        continue
      }
      entries.push({ key, value: '', deleted: true, owner: current.owner, deleteAfterOwnerLeft: false, ownerSession: 0n })
    }
    return { entries, errorKeys }
  }

  /** Visible room attributes after `pending` and `more` were applied: what ZIM's limits are checked against. */
  roomAfter (pending: RoomAttribute[], more: RoomAttribute[] = []): Map<string, string> {
    const view = this.viewWith([...pending, ...more])
    return new Map([...view].map(([key, v]) => [key, v.value]))
  }

  private viewWith (pending: RoomAttribute[]): Map<string, { value: string, owner: string }> {
    const view = new Map<string, { value: string, owner: string }>()
    for (const [key, entry] of this.room) if (this.visible(entry)) view.set(key, { value: entry.value, owner: entry.owner })
    for (const a of pending) {
      if (a.deleted) view.delete(a.key)
      else view.set(a.key, { value: a.value, owner: a.owner })
    }
    return view
  }
}
