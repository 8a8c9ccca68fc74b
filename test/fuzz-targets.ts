/**
 * Property-based fuzzing of everything that decodes bytes from the network:
 * the frame gate (decode, verify, shape, apply to a room), every protons
 * codec, and the DHT record validator and selector (plus the snapshot's
 * creation check). The world (keys, a room with honest members, a corpus of
 * real signed frames and records), the arbitraries and the properties live
 * here once, so the bounded CI test (test/fuzz.test.ts) and the long run
 * (scripts/fuzz.ts) fuzz exactly the same way.
 *
 * Inputs come in three families: random bytes; real signed encodings with
 * byte-level mutations (bit flips, overwrites, truncation, insertion,
 * deletion, splicing two encodings, length-prefix corruption, duplicated
 * fields); and structurally valid but hostile objects: a real frame or
 * record decoded, fields replaced, re-encoded, then re-signed by the
 * attacker's own key (signature valid, content hostile) or left with the old
 * signature. Big inputs are described (length + seed) rather than held, so a
 * counterexample prints in a few lines.
 */
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { multiaddr } from '@multiformats/multiaddr'
import { FRAME_DECODE_LIMITS, FrameGate } from '../src/rooms/frame-gate.js'
import { MAX_HISTORY_PAGE } from '../src/history/store.js'
import { MAX_SEALS_PER_FRAME, decodeDirectFrame, encodeDirectFrame, nextDirectFrame } from '../src/rooms/direct-links.js'
import { Uint8ArrayList } from 'uint8arraylist'
import { Room, messageIDOf } from '../src/rooms/room.js'
import { RECORD_GRACE_MS, openCreation, registryKey, sealCreation, sealRecord } from '../src/registry/record.js'
import { REGISTRY_NAMESPACE, registryRules } from '../src/registry/registry.js'
import { encodeMessage } from '../src/wire/encode.js'
import { MAX_ENVELOPE_BYTES } from '../src/wire/envelope.js'
import { Announcement, AttributeUpdate, ChatMessage, DirectFrame, Envelope, Frame, HistoryRequest, HistoryResponse, RoomCreation, RoomGeneration, RoomRecord, RoomRefresh, Seal, SnapshotRequest, SnapshotResponse } from '../src/wire/roomsub.js'
import { ZIMMessageType } from '../src/zim/defines.js'
import { freshAppID, roomCallbacks, signingIdentity } from './helpers.js'
import type { Identity } from './helpers.js'
import type { Generation, SealedCreation } from '../src/registry/record.js'
import type { Admission } from '../src/rooms/frame-gate.js'
import type { EnvelopeCodec } from '../src/wire/envelope.js'
import type { SelectFn, ValidateFn } from '@libp2p/kad-dht'
import type { Codec } from 'protons-runtime'

// ------------------------------------------------------------------ outcomes

/** Outcome counts of one target, for the script's report. */
export class Tally {
  readonly counts = new Map<string, number>()

  add (outcome: string): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1)
  }
}

/** Error messages carry offsets and lengths: bucket them so the distribution stays readable. */
function bucket (err: Error): string {
  return `${err.name}: ${err.message.replace(/\d+/g, 'N').slice(0, 70)}`
}

/**
 * One input (a frame, a record, at most ~100 KB) may take this long to
 * refuse or accept; past it a peer can stall our event loop with a few
 * messages, as bad as a hang. Normal cases take well under a millisecond.
 */
export const MAX_CASE_STEP_MS = 1000

async function timed<T> (what: string, step: () => Promise<T>): Promise<T> {
  const started = performance.now()
  const result = await step()
  const took = performance.now() - started
  if (took > MAX_CASE_STEP_MS) throw new Error(`${what} took ${Math.round(took)} ms`)
  return result
}

/** Anything thrown must be an Error: a thrown string or object escapes every `instanceof Error` guard upstream. */
function asError (thrown: unknown, where: string): Error {
  if (thrown instanceof Error) return thrown
  throw new Error(`${where} threw a non-Error: ${String(thrown)}`)
}

// ------------------------------------------------------------------ the world

interface Sample { label: string, bytes: Uint8Array<ArrayBuffer> }

interface FrameSample extends Sample {
  frame: Frame
  signature: Uint8Array<ArrayBuffer>
}

interface RecordSample extends Sample {
  /** the validator accepts it until then (expiry plus grace): a long run outlives the shorter-lived samples */
  validUntil: number
  creation: RoomCreation
  creationSignature: Uint8Array<ArrayBuffer>
  refresh: RoomRefresh
  refreshSignature: Uint8Array<ArrayBuffer>
}

interface HonestMember {
  id: Identity
  session: bigint
  /** the member's JOIN, opened (verified) once by the gate */
  author: string
  frame: Frame
  announcement: Announcement
  raw: Uint8Array
}

export interface FuzzWorld {
  appID: number
  roomID: string
  /** when the world was made: record times are relative to it */
  now: number
  /** the node under attack, creator of the room */
  local: Identity
  honest: HonestMember[]
  attacker: Identity
  /** every identity by userID, for `from`, `refresher` and `creator` choices */
  identities: Map<string, Identity>
  generation: Generation
  /**
   * The receiving node's codec, shared by every case: its author cache fills
   * up as a running node's would.
   */
  gateCodec: EnvelopeCodec
  /** valid signed room frames (Envelope bytes) of every kind, honest and attacker's */
  frames: FrameSample[]
  /** valid registry records */
  records: RecordSample[]
  /** every valid encoding of every message type: what mutations start from and splice in */
  encodings: Sample[]
  /** message IDs of the honest members' real messages: nothing else may be delivered in their name */
  honestMessageIDs: Set<string>
  registry: { key: Uint8Array, validate: ValidateFn, select: SelectFn }
}

const HONEST_USERS = ['alice', 'bob', 'carol']
const JOIN_SEQ = 1000n
const CREATED_AT = 1_700_000_000_000
const DAY = 24 * 60 * 60 * 1000
const MESSAGE_TYPES = [ZIMMessageType.Unknown, ZIMMessageType.Text, ZIMMessageType.Command, ZIMMessageType.Barrage, ZIMMessageType.System, ZIMMessageType.Custom]
const KINDS = [Announcement.Kind.JOIN, Announcement.Kind.HEARTBEAT, Announcement.Kind.LEAVE, Announcement.Kind.ANSWER, Announcement.Kind.GONE]
const ADDRS = [multiaddr('/ip4/127.0.0.1/tcp/4001'), multiaddr('/ip6/::1/tcp/4002/ws')]

function sha256 (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash('sha256').update(bytes).digest())
}

function concat (...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

/** Keys, a room created by `local` with three honest members, and a corpus of real signed frames and records. */
export async function buildWorld (): Promise<FuzzWorld> {
  const appID = freshAppID()
  const roomID = 'fuzz-room'
  const now = Date.now()
  const local = await signingIdentity(appID, 'me')
  const attacker = await signingIdentity(appID, 'mallory')
  const ids = await Promise.all(HONEST_USERS.map(async u => signingIdentity(appID, u)))
  const identities = new Map([local, attacker, ...ids].map(id => [id.userID, id]))
  const generation: Generation = { creator: local.peerIdString, creatorBytes: local.peerIdBytes, createdAt: CREATED_AT }
  const wireGeneration: RoomGeneration = { creator: local.peerIdBytes, createdAt: BigInt(CREATED_AT) }
  const gateCodec = local.codec
  const frames: FrameSample[] = []
  const encodings: Sample[] = []
  const honestMessageIDs = new Set<string>()

  const seal = async (label: string, id: Identity, frame: Frame): Promise<Uint8Array<ArrayBuffer>> => {
    const body = encodeMessage(Frame.codec(), frame)
    const envelope = await id.codec.sign('frame', body)
    const bytes = Envelope.encode(envelope)
    frames.push({ label, bytes, frame: Frame.decode(body), signature: envelope.signature })
    encodings.push({ label: `${label} (body)`, bytes: body })
    return bytes
  }
  const announcement = (id: Identity, kind: Announcement.Kind, seq: bigint, extra: Partial<Announcement> = {}): Announcement => ({
    kind,
    seq,
    userID: id.userID,
    userName: `name-${id.userID}`,
    msgSeq: 0n,
    timestamp: BigInt(CREATED_AT + 1000),
    addrs: ADDRS.map(a => a.bytes as Uint8Array<ArrayBuffer>),
    generation: wireGeneration,
    roomName: 'Fuzz room',
    destroyDelay: 30,
    goneUserID: '',
    goneSession: 0n,
    token: new Uint8Array(0), attributesDigest: new Uint8Array(0),
    ...extra
  } as Announcement)
  const chat = (id: Identity, seq: bigint, type: ZIMMessageType): ChatMessage => ({
    seq,
    timestamp: BigInt(CREATED_AT + 2000),
    orderKey: BigInt(CREATED_AT) * 1024n + seq,
    type,
    userID: id.userID,
    text: type === ZIMMessageType.Command ? '' : `${id.userID} says ${seq}`,
    data: type === ZIMMessageType.Command ? new Uint8Array([1, 2, 3, seq > 255n ? 255 : Number(seq)]) : new Uint8Array(0),
    subType: type === ZIMMessageType.Custom ? 7 : 0,
    searchedContent: type === ZIMMessageType.Custom ? 'searchable' : '',
    extendedData: '{"fuzz":true}',
    priority: 2
  })
  /** every announcement kind and a message of every type, as `id` really sends them in session `session` */
  const corpus = async (id: Identity, session: bigint, gone: { userID: string, session: bigint }, honest: boolean): Promise<void> => {
    const frame = (rest: Pick<Frame, 'announcement'> | Pick<Frame, 'message'> | Pick<Frame, 'attributes'>): Frame => ({ from: id.peerIdBytes, roomID, session, ...rest })
    const u = id.userID
    await seal(`${u} HEARTBEAT`, id, frame({ announcement: announcement(id, Announcement.Kind.HEARTBEAT, JOIN_SEQ + 1n) }))
    await seal(`${u} ANSWER`, id, frame({ announcement: announcement(id, Announcement.Kind.ANSWER, JOIN_SEQ + 2n) }))
    await seal(`${u} GONE ${gone.userID}`, id, frame({ announcement: announcement(id, Announcement.Kind.GONE, JOIN_SEQ + 3n, { goneUserID: gone.userID, goneSession: gone.session }) }))
    await seal(`${u} JOIN after a restart`, id, { ...frame({ announcement: announcement(id, Announcement.Kind.JOIN, JOIN_SEQ + 4n) }), session: session + 1n })
    await seal(`${u} HEARTBEAT of an earlier lifetime`, id, frame({ announcement: announcement(id, Announcement.Kind.HEARTBEAT, JOIN_SEQ + 5n, { generation: { ...wireGeneration, createdAt: BigInt(CREATED_AT - 1) } }) }))
    await seal(`${u} HEARTBEAT of a later lifetime`, id, frame({ announcement: announcement(id, Announcement.Kind.HEARTBEAT, JOIN_SEQ + 6n, { generation: { ...wireGeneration, createdAt: BigInt(CREATED_AT + 1) } }) }))
    // an honest member's LEAVE is a replay of an earlier one (older seq): a fresh one would rightly remove it
    await seal(`${u} LEAVE`, id, frame({ announcement: announcement(id, Announcement.Kind.LEAVE, honest ? JOIN_SEQ - 1n : JOIN_SEQ + 7n) }))
    for (const [i, type] of MESSAGE_TYPES.entries()) {
      const seq = BigInt(i + 1)
      await seal(`${u} message ${seq} (type ${type})`, id, frame({ message: chat(id, seq, type) }))
      if (honest) honestMessageIDs.add(messageIDOf(id.peerIdBytes, session, seq))
    }
    await seal(`${u} room attributes`, id, frame({
      attributes: {
        clock: 3n,
        room: [{ key: 'topic', value: `${u}'s`, deleted: false, owner: u, deleteAfterOwnerLeft: true, ownerSession: session }, { key: 'gone', value: '', deleted: true, owner: u, deleteAfterOwnerLeft: false, ownerSession: 0n }],
        members: [],
        batch: false
      }
    }))
    await seal(`${u} member attributes (batch)`, id, frame({
      attributes: { clock: 4n, room: [], members: HONEST_USERS.map(userID => ({ userID, key: 'role', value: `set by ${u}`, deleteAfterOwnerLeft: true, ownerSession: 0n })), batch: true }
    }))
  }

  // the honest members join; the gate opens (verifies) each JOIN once, as it would off the wire
  const gate = gateFor(gateCodec)
  const honest: HonestMember[] = []
  for (const [i, id] of ids.entries()) {
    const session = BigInt(i + 1) * 1_000_000n
    const raw = await seal(`${id.userID} JOIN`, id, { from: id.peerIdBytes, roomID, session, announcement: announcement(id, Announcement.Kind.JOIN, JOIN_SEQ) })
    const opened = await gate.open(raw)
    if (opened.body.announcement == null) throw new Error('a JOIN without an announcement')
    honest.push({ id, session, author: opened.author.peerIdString, frame: opened.body, announcement: opened.body.announcement, raw })
  }
  for (const [i, h] of honest.entries()) {
    const other = honest[(i + 1) % honest.length]
    await corpus(h.id, h.session, { userID: other.id.userID, session: other.session }, true)
  }
  const attackerSession = 77n
  await seal('mallory JOIN', attacker, { from: attacker.peerIdBytes, roomID, session: attackerSession, announcement: announcement(attacker, Announcement.Kind.JOIN, JOIN_SEQ) })
  await corpus(attacker, attackerSession, { userID: honest[0].id.userID, session: honest[0].session }, false)
  await seal('me JOIN (our own frame echoed back)', local, { from: local.peerIdBytes, roomID, session: 5n, announcement: announcement(local, Announcement.Kind.JOIN, JOIN_SEQ) })
  await seal('mallory JOIN for another room', attacker, { from: attacker.peerIdBytes, roomID: 'other-room', session: attackerSession, announcement: announcement(attacker, Announcement.Kind.JOIN, JOIN_SEQ) })
  for (const f of frames) encodings.push({ label: f.label, bytes: f.bytes })

  // registry records: the live one, a refresh by a member, a vacant one, one expired within the grace period, and rival lifetimes
  const records: RecordSample[] = []
  const record = async (label: string, refresher: Identity, creation: SealedCreation, fields: { updatedAt: number, expiresAt: number, vacant?: boolean, addrs?: typeof ADDRS }): Promise<void> => {
    const bytes = new Uint8Array(await sealRecord(refresher.codec, creation, { updatedAt: fields.updatedAt, expiresAt: fields.expiresAt, vacant: fields.vacant ?? false, addrs: fields.addrs ?? ADDRS }))
    const decoded = RoomRecord.decode(bytes)
    if (decoded.creation == null || decoded.refresh == null) throw new Error('a sealed record lacks a part')
    records.push({
      label,
      bytes,
      validUntil: fields.expiresAt + RECORD_GRACE_MS,
      creation: RoomCreation.decode(decoded.creation.body),
      creationSignature: decoded.creation.signature,
      refresh: RoomRefresh.decode(decoded.refresh.body),
      refreshSignature: decoded.refresh.signature
    })
    encodings.push({ label, bytes }, { label: `${label} (creation body)`, bytes: decoded.creation.body.slice() }, { label: `${label} (refresh body)`, bytes: decoded.refresh.body.slice() })
  }
  const creation = await sealCreation(local.codec, { roomID, roomName: 'Fuzz room', destroyDelay: 30, createdAt: CREATED_AT })
  await record('live record', local, creation, { updatedAt: now, expiresAt: now + DAY })
  await record('record refreshed by alice', ids[0], creation, { updatedAt: now + 1, expiresAt: now + DAY + 1 })
  await record('vacant record', local, creation, { updatedAt: now + 2, expiresAt: now + 60_000, vacant: true, addrs: [] })
  await record('record expired within the grace period', local, creation, { updatedAt: now - 120_000, expiresAt: now - 1000 })
  await record('later lifetime by bob', ids[1], await sealCreation(ids[1].codec, { roomID, roomName: 'Bob room', destroyDelay: 0, createdAt: CREATED_AT + 5000 }), { updatedAt: now, expiresAt: now + DAY })
  await record('earlier lifetime by mallory', attacker, await sealCreation(attacker.codec, { roomID, roomName: 'Mine', destroyDelay: 10800, createdAt: CREATED_AT - 1 }), { updatedAt: now, expiresAt: now + DAY })
  encodings.push(
    { label: 'creation envelope', bytes: creation.envelope as Uint8Array<ArrayBuffer> },
    { label: 'snapshot request', bytes: SnapshotRequest.encode({ roomID }) },
    {
      label: 'snapshot response',
      bytes: SnapshotResponse.encode({
        announcements: honest.map(h => h.raw as Uint8Array<ArrayBuffer>),
        creation: creation.envelope as Uint8Array<ArrayBuffer>,
        attributes: frames.filter(f => f.frame.attributes != null).map(f => f.bytes)
      })
    },
    ...frames.filter(f => f.frame.attributes != null).map(f => ({ label: `${f.label} (update)`, bytes: AttributeUpdate.encode(f.frame.attributes as AttributeUpdate) })),
    { label: 'generation', bytes: RoomGeneration.encode(wireGeneration) },
    { label: 'history request', bytes: HistoryRequest.encode({ roomID, anchorOrderKey: BigInt(now) * 1024n + 7n, anchorMessageID: '1234567890123456789', older: true, count: 20, messageIDs: [] }) },
    { label: 'recovery request', bytes: HistoryRequest.encode({ roomID, anchorOrderKey: 0n, anchorMessageID: '', older: false, count: 2, messageIDs: ['1234567890123456789', '98765432109876543'] }) },
    { label: 'history response', bytes: HistoryResponse.encode({ messages: frames.filter(f => f.label.includes('message')).map(f => f.bytes), notMember: false }) },
    { label: 'history refusal', bytes: HistoryResponse.encode({ messages: [], notMember: true }) },
    // what a direct link carries: length-prefixed DirectFrames, two back to back
    {
      label: 'direct link bytes',
      bytes: concat(...frames.filter(f => f.label.includes('message')).slice(0, 2).map(f => encodeDirectFrame(roomID, { envelope: f.bytes }) as Uint8Array<ArrayBuffer>))
    },
    // the same messages as their author sends them on links: bare, the first's Seal riding on the second, the second's alone
    {
      label: 'direct link bytes, bare',
      bytes: concat(...bareLinkFrames(roomID, frames.filter(f => f.label.includes('message')).slice(0, 2).map(f => f.bytes)))
    }
  )

  const rules = registryRules(appID)
  return {
    appID,
    roomID,
    now,
    local,
    honest,
    attacker,
    identities,
    generation,
    gateCodec,
    frames,
    records,
    encodings,
    honestMessageIDs,
    registry: { key: registryKey(appID, roomID), validate: rules.validators[REGISTRY_NAMESPACE], select: rules.selectors[REGISTRY_NAMESPACE] }
  }
}

// ------------------------------------------------------------------ descriptions of big values

/** Bytes from a length and a seed (or one repeated byte): big inputs that print short. */
export class Noise {
  constructor (readonly length: number, readonly seed: number, readonly fill?: number) {}

  bytes (): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(this.length)
    if (this.fill != null) return out.fill(this.fill)
    let x = (this.seed | 0) || 0x9e3779b9
    for (let i = 0; i < out.length; i++) {
      // xorshift32: any fast deterministic stream will do
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      out[i] = x & 0xff
    }
    return out
  }

  [fc.toStringMethod] (): string {
    return this.fill != null ? `Noise(${this.length} x 0x${this.fill.toString(16)})` : `Noise(${this.length}, seed ${this.seed})`
  }
}

/** A long string: `unit` repeated. */
export class Repeat {
  constructor (readonly unit: string, readonly times: number) {}

  text (): string {
    return this.unit.repeat(this.times)
  }

  [fc.toStringMethod] (): string {
    return `Repeat(${JSON.stringify(this.unit)} x ${this.times})`
  }
}

type Bytes = Uint8Array | Noise
type Str = string | Repeat

function bytesOf (b: Bytes): Uint8Array<ArrayBuffer> {
  return b instanceof Noise ? b.bytes() : new Uint8Array(b)
}

function strOf (s: Str): string {
  return s instanceof Repeat ? s.text() : s
}

// ------------------------------------------------------------------ byte mutations

export type LengthChoice = { delta: number } | { value: bigint } | { overlong: true }

export type Mutation =
  | { op: 'flip', at: number, bit: number }
  | { op: 'overwrite', at: number, bytes: Uint8Array }
  | { op: 'truncate', at: number }
  | { op: 'insert', at: number, bytes: Bytes }
  | { op: 'delete', at: number, count: number }
  /** the head of this encoding, then the tail of another */
  | { op: 'splice', at: number, other: number, from: number }
  /** rewrite the length prefix of one length-delimited field (at any depth) */
  | { op: 'length', field: number, length: LengthChoice }
  /** repeat one top-level field: protobuf takes the last scalar and the last message */
  | { op: 'duplicate', field: number }
  /** another whole encoding after this one: a merge of two messages on the wire */
  | { op: 'append', other: number }

interface WireField {
  start: number
  end: number
  depth: number
  /** length-delimited fields: where the length varint starts and the payload begins */
  lengthAt?: number
  payloadAt?: number
}

function readVarint (bytes: Uint8Array, pos: number, end: number): { value: bigint, next: number } | undefined {
  let value = 0n
  for (let i = 0; i < 10 && pos + i < end; i++) {
    const b = bytes[pos + i]
    value |= BigInt(b & 0x7f) << BigInt(7 * i)
    if (b < 0x80) return { value, next: pos + i + 1 }
  }
  return undefined
}

/** `value` as a varint; `overlong` pads it to the 10 bytes a parser must still accept. */
export function varint (value: bigint, overlong = false): Uint8Array {
  const out: number[] = []
  let v = BigInt.asUintN(64, value)
  do {
    out.push(Number(v & 0x7fn) | 0x80)
    v >>= 7n
  } while (v > 0n)
  while (overlong && out.length < 10) out.push(0x80)
  out[out.length - 1] &= 0x7f
  return new Uint8Array(out)
}

/** Walks protobuf wire format as far as it parses, descending into length-delimited payloads that parse as messages. */
function scanFields (bytes: Uint8Array, start: number, end: number, depth: number, out: WireField[]): boolean {
  let pos = start
  while (pos < end) {
    const fieldStart = pos
    const tag = readVarint(bytes, pos, end)
    if (tag == null) return false
    pos = tag.next
    switch (Number(tag.value & 7n)) {
      case 0: {
        const v = readVarint(bytes, pos, end)
        if (v == null) return false
        pos = v.next
        out.push({ start: fieldStart, end: pos, depth })
        break
      }
      case 1:
      case 5:
        pos += (tag.value & 7n) === 1n ? 8 : 4
        if (pos > end) return false
        out.push({ start: fieldStart, end: pos, depth })
        break
      case 2: {
        const length = readVarint(bytes, pos, end)
        if (length == null || length.next + Number(length.value) > end) return false
        const payloadAt = length.next
        pos = payloadAt + Number(length.value)
        out.push({ start: fieldStart, end: pos, depth, lengthAt: tag.next, payloadAt })
        const nested: WireField[] = []
        if (depth < 4 && scanFields(bytes, payloadAt, pos, depth + 1, nested)) out.push(...nested)
        break
      }
      default:
        return false
    }
  }
  return pos === end
}

function fieldsOf (bytes: Uint8Array): WireField[] {
  const out: WireField[] = []
  scanFields(bytes, 0, bytes.byteLength, 0, out)
  return out
}

function applyMutation (bytes: Uint8Array<ArrayBuffer>, m: Mutation, encodings: Sample[]): Uint8Array<ArrayBuffer> {
  const len = bytes.byteLength
  switch (m.op) {
    case 'flip': {
      if (len === 0) return bytes
      const out = bytes.slice()
      out[m.at % len] ^= 1 << m.bit
      return out
    }
    case 'overwrite': {
      if (len === 0) return bytes
      const out = bytes.slice()
      const at = m.at % len
      out.set(m.bytes.subarray(0, len - at), at)
      return out
    }
    case 'truncate':
      return bytes.slice(0, m.at % (len + 1))
    case 'insert': {
      const at = m.at % (len + 1)
      return concat(bytes.subarray(0, at), bytesOf(m.bytes), bytes.subarray(at))
    }
    case 'delete': {
      const at = m.at % (len + 1)
      return concat(bytes.subarray(0, at), bytes.subarray(at + m.count))
    }
    case 'splice': {
      const other = encodings[m.other % encodings.length].bytes
      return concat(bytes.subarray(0, m.at % (len + 1)), other.subarray(m.from % (other.byteLength + 1)))
    }
    case 'length': {
      const fields = fieldsOf(bytes).filter(f => f.lengthAt != null && f.payloadAt != null)
      if (fields.length === 0) return bytes
      const f = fields[m.field % fields.length]
      const lengthAt = f.lengthAt ?? 0
      const payloadAt = f.payloadAt ?? 0
      const current = BigInt(f.end - payloadAt)
      const l = m.length
      const encoded = 'delta' in l
        ? varint(current + BigInt(l.delta) < 0n ? 0n : current + BigInt(l.delta))
        : 'value' in l ? varint(l.value) : varint(current, true)
      return concat(bytes.subarray(0, lengthAt), encoded, bytes.subarray(payloadAt))
    }
    case 'duplicate': {
      const fields = fieldsOf(bytes).filter(f => f.depth === 0)
      if (fields.length === 0) return bytes
      const f = fields[m.field % fields.length]
      return concat(bytes.subarray(0, f.end), bytes.subarray(f.start, f.end), bytes.subarray(f.end))
    }
    case 'append':
      return concat(bytes, encodings[m.other % encodings.length].bytes)
  }
}

export function mutate (bytes: Uint8Array, mutations: Mutation[], encodings: Sample[]): Uint8Array<ArrayBuffer> {
  let out = new Uint8Array(bytes)
  for (const m of mutations) out = applyMutation(out, m, encodings)
  return out
}

// ------------------------------------------------------------------ arbitraries

const U64_EDGES = [0n, 1n, 127n, 128n, 2n ** 31n, 2n ** 32n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n, -1n, -(2n ** 63n)]

/** uint64 fields: edges, anything a writer can encode (negatives wrap to huge), and values near the honest seqs */
const hostileBigInt: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(...U64_EDGES),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
  fc.bigInt({ min: 0n, max: JOIN_SEQ + 10n })
)

const hostileUint32: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, 1, 2, 20, 30, 200, 10800, 10801, 2 ** 31, 2 ** 32 - 1),
  fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 })
)

/** sizes around the envelope limit and beyond, so both the size check and the decoder see them */
const bigLength: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(MAX_ENVELOPE_BYTES - 1, MAX_ENVELOPE_BYTES, MAX_ENVELOPE_BYTES + 1),
  fc.integer({ min: 97, max: 2 * MAX_ENVELOPE_BYTES })
)

const bigBytes: fc.Arbitrary<Noise> = fc.oneof(
  fc.record({ length: bigLength, seed: fc.integer() }).map(({ length, seed }) => new Noise(length, seed)),
  // one byte repeated: 0x0b opens protobuf groups, 0xff never ends a varint, 0x0a is a length-delimited field 1...
  fc.record({ length: bigLength, fill: fc.oneof(fc.constantFrom(0x00, 0x0a, 0x0b, 0x12, 0x80, 0xff), fc.integer({ min: 0, max: 255 })) }).map(({ length, fill }) => new Noise(length, 0, fill))
)

export const randomBytes: fc.Arbitrary<Bytes> = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 96 }) },
  { weight: 1, arbitrary: bigBytes }
)

function knownStrings (world: FuzzWorld): string[] {
  return ['', world.roomID, 'other-room', ...world.identities.keys()]
}

function hostileString (world: FuzzWorld): fc.Arbitrary<Str> {
  return fc.oneof(
    fc.constantFrom(...knownStrings(world)),
    fc.string({ maxLength: 24 }),
    // any UTF-16 code unit, lone surrogates included
    fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map(c => String.fromCharCode(c)), maxLength: 24 }),
    fc.record({ unit: fc.constantFrom('x', 'é', '😀', '\u0000', '\ud800'), times: fc.integer({ min: 256, max: 60_000 }) }).map(({ unit, times }) => new Repeat(unit, times))
  )
}

const smallBytes: fc.Arbitrary<Bytes> = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ maxLength: 48 }) },
  { weight: 1, arbitrary: bigBytes }
)

/** a peer id choice: a known identity, the attacker's key in a padded (non-canonical) encoding, or any bytes */
export type Who = { who: string } | { padded: number } | { bytes: Bytes }

function whoArb (world: FuzzWorld): fc.Arbitrary<Who> {
  return fc.oneof(
    fc.record({ who: fc.constantFrom(...world.identities.keys()) }),
    // a few bytes of padding, or as much as a frame can carry
    fc.record({ padded: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 65, max: MAX_ENVELOPE_BYTES })) }),
    fc.record({ bytes: smallBytes })
  )
}

/**
 * The attacker's public key as an identity-multihash peer id whose key
 * protobuf carries an unknown field of `n` bytes: a different peer id string
 * for the same key.
 */
function paddedPeerId (id: Identity, n: number): Uint8Array<ArrayBuffer> {
  const raw = id.peerId.publicKey?.raw ?? new Uint8Array(32)
  const key = concat(new Uint8Array([0x08, 0x01, 0x12, raw.byteLength]), raw, new Uint8Array([0x1a]), varint(BigInt(n)), new Uint8Array(n))
  return concat(new Uint8Array([0x00]), varint(BigInt(key.byteLength)), key)
}

function whoBytes (world: FuzzWorld, w: Who): Uint8Array<ArrayBuffer> {
  if ('who' in w) return world.identities.get(w.who)?.peerIdBytes ?? new Uint8Array(0)
  if ('padded' in w) return paddedPeerId(world.attacker, w.padded)
  return bytesOf(w.bytes)
}

/** a replaced generation, or 'none' to drop it */
type GenerationEdit = { creator: Who, createdAt: bigint } | 'none'

function generationArb (world: FuzzWorld): fc.Arbitrary<GenerationEdit> {
  return fc.oneof(fc.constant('none' as const), fc.record({
    creator: whoArb(world),
    createdAt: fc.oneof(fc.constantFrom(BigInt(CREATED_AT - 1), BigInt(CREATED_AT), BigInt(CREATED_AT + 1)), hostileBigInt)
  }))
}

function generationOf (world: FuzzWorld, g: GenerationEdit): RoomGeneration | undefined {
  return g === 'none' ? undefined : { creator: whoBytes(world, g.creator), createdAt: g.createdAt }
}

/**
 * Edits replace a field now and then (a quarter of the time): a hostile
 * object with every field changed is refused at the first check and never
 * reaches the later ones.
 */
function sometimes<T> (arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb })
}

/** a record of `sometimes` fields, without the keys left undefined (so counterexamples print only the edits) */
function edits<T extends object> (fields: { [K in keyof T]-?: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  const withUndefined = Object.fromEntries(Object.entries(fields).map(([k, arb]) => [k, sometimes(arb as fc.Arbitrary<unknown>)]))
  return fc.record(withUndefined).map(o => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T)
}

export interface AnnouncementEdit {
  kind?: Announcement.Kind
  seq?: bigint
  userID?: Str
  userName?: Str
  msgSeq?: bigint
  timestamp?: bigint
  addrs?: Bytes[]
  generation?: GenerationEdit
  roomName?: Str
  destroyDelay?: number
  goneUserID?: Str
  goneSession?: bigint
}

export interface MessageEdit {
  seq?: bigint
  timestamp?: bigint
  orderKey?: bigint
  type?: number
  userID?: Str
  text?: Str
  data?: Bytes
  subType?: number
  searchedContent?: Str
  extendedData?: Str
  priority?: number
}

/** A real frame, decoded, with fields replaced, re-encoded and sealed one way or another. */
export interface HostileFrame {
  source: 'hostile'
  base: number
  from?: Who
  roomID?: Str
  session?: bigint
  shape: 'keep' | 'both' | 'neither'
  announcement?: AnnouncementEdit
  message?: MessageEdit
  /** another real frame's body appended: every field it has is then duplicated */
  tail?: number
  /**
   * attacker: re-signed by the attacker's own key (valid when `from` is left
   * as the attacker); original: the old signature over the new body; none:
   * empty; garbage: 64 random bytes
   */
  seal: 'attacker' | 'original' | 'none' | 'garbage'
}

export type FrameRecipe =
  | { source: 'valid', base: number }
  | { source: 'random', bytes: Bytes }
  | { source: 'mutated', base: number, mutations: Mutation[] }
  | HostileFrame

function mutationArb (): fc.Arbitrary<Mutation> {
  const at = fc.nat()
  return fc.oneof(
    fc.record({ op: fc.constant('flip' as const), at, bit: fc.nat({ max: 7 }) }),
    fc.record({ op: fc.constant('overwrite' as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    fc.record({ op: fc.constant('truncate' as const), at }),
    fc.record({ op: fc.constant('insert' as const), at, bytes: fc.oneof({ weight: 8, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 16 }) }, { weight: 1, arbitrary: bigBytes }) }),
    fc.record({ op: fc.constant('delete' as const), at, count: fc.integer({ min: 1, max: 16 }) }),
    fc.record({ op: fc.constant('splice' as const), at, other: fc.nat(), from: fc.nat() }),
    fc.record({
      op: fc.constant('length' as const),
      field: fc.nat(),
      length: fc.oneof(
        fc.record({ delta: fc.integer({ min: -4, max: 4 }) }),
        fc.record({ value: fc.constantFrom(0n, 1n, 127n, 128n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n, 2n ** 64n - 1n) }),
        fc.record({ overlong: fc.constant(true as const) })
      )
    }),
    fc.record({ op: fc.constant('duplicate' as const), field: fc.nat() }),
    fc.record({ op: fc.constant('append' as const), other: fc.nat() })
  )
}

export function mutationsArb (): fc.Arbitrary<Mutation[]> {
  return fc.array(mutationArb(), { minLength: 1, maxLength: 4 })
}

function announcementEditArb (world: FuzzWorld): fc.Arbitrary<AnnouncementEdit> {
  const str = hostileString(world)
  return edits<AnnouncementEdit>({
    kind: fc.constantFrom(...KINDS),
    seq: hostileBigInt,
    userID: str,
    userName: str,
    msgSeq: hostileBigInt,
    timestamp: hostileBigInt,
    addrs: fc.array(smallBytes, { maxLength: 12 }),
    generation: generationArb(world),
    roomName: str,
    destroyDelay: hostileUint32,
    goneUserID: str,
    goneSession: hostileBigInt
  })
}

function messageEditArb (world: FuzzWorld): fc.Arbitrary<MessageEdit> {
  const str = hostileString(world)
  return edits<MessageEdit>({
    seq: hostileBigInt,
    timestamp: hostileBigInt,
    orderKey: hostileBigInt,
    type: fc.oneof(fc.constantFrom(...MESSAGE_TYPES), hostileUint32),
    userID: str,
    text: str,
    data: smallBytes,
    subType: hostileUint32,
    searchedContent: str,
    extendedData: str,
    priority: hostileUint32
  })
}

export function frameRecipeArb (world: FuzzWorld): fc.Arbitrary<FrameRecipe> {
  const base = fc.nat({ max: world.frames.length - 1 })
  const hostile: fc.Arbitrary<HostileFrame> = fc.record({
    source: fc.constant('hostile' as const),
    base,
    shape: fc.constantFrom('keep' as const, 'keep' as const, 'keep' as const, 'keep' as const, 'both' as const, 'neither' as const),
    seal: fc.constantFrom('attacker' as const, 'attacker' as const, 'attacker' as const, 'original' as const, 'none' as const, 'garbage' as const),
    announcement: announcementEditArb(world),
    message: messageEditArb(world)
  }).chain(r => edits<Pick<HostileFrame, 'from' | 'roomID' | 'session' | 'tail'>>({
    from: whoArb(world),
    roomID: hostileString(world),
    session: hostileBigInt,
    tail: fc.nat({ max: world.frames.length - 1 })
  }).map(e => ({ ...r, ...e })))
  return fc.oneof(
    // replays of real frames: in a sequence they set up state (the attacker joins, then speaks) for what follows
    fc.record({ source: fc.constant('valid' as const), base }),
    fc.record({ source: fc.constant('random' as const), bytes: randomBytes }),
    fc.record({ source: fc.constant('mutated' as const), base, mutations: mutationsArb() }),
    { weight: 2, arbitrary: hostile }
  )
}

function editedAnnouncement (world: FuzzWorld, base: Announcement, e: AnnouncementEdit): Announcement {
  return {
    ...base,
    ...(e.kind !== undefined && { kind: e.kind }),
    ...(e.seq !== undefined && { seq: e.seq }),
    ...(e.userID !== undefined && { userID: strOf(e.userID) }),
    ...(e.userName !== undefined && { userName: strOf(e.userName) }),
    ...(e.msgSeq !== undefined && { msgSeq: e.msgSeq }),
    ...(e.timestamp !== undefined && { timestamp: e.timestamp }),
    ...(e.addrs !== undefined && { addrs: e.addrs.map(bytesOf) }),
    ...(e.generation !== undefined && { generation: generationOf(world, e.generation) }),
    ...(e.roomName !== undefined && { roomName: strOf(e.roomName) }),
    ...(e.destroyDelay !== undefined && { destroyDelay: e.destroyDelay }),
    ...(e.goneUserID !== undefined && { goneUserID: strOf(e.goneUserID) }),
    ...(e.goneSession !== undefined && { goneSession: e.goneSession })
  }
}

function editedMessage (base: ChatMessage, e: MessageEdit): ChatMessage {
  return {
    ...base,
    ...(e.seq !== undefined && { seq: e.seq }),
    ...(e.timestamp !== undefined && { timestamp: e.timestamp }),
    ...(e.orderKey !== undefined && { orderKey: e.orderKey }),
    ...(e.type !== undefined && { type: e.type }),
    ...(e.userID !== undefined && { userID: strOf(e.userID) }),
    ...(e.text !== undefined && { text: strOf(e.text) }),
    ...(e.data !== undefined && { data: bytesOf(e.data) }),
    ...(e.subType !== undefined && { subType: e.subType }),
    ...(e.searchedContent !== undefined && { searchedContent: strOf(e.searchedContent) }),
    ...(e.extendedData !== undefined && { extendedData: strOf(e.extendedData) }),
    ...(e.priority !== undefined && { priority: e.priority })
  }
}

/** The attacker's own frames serve as the announcement or message a shape change adds. */
function template (world: FuzzWorld): { announcement: Announcement, message: ChatMessage } {
  const announcement = world.frames.find(f => f.label === 'mallory JOIN')?.frame.announcement
  const message = world.frames.find(f => f.frame.message != null && f.label.startsWith('mallory'))?.frame.message
  if (announcement == null || message == null) throw new Error('the corpus lacks the attacker\'s frames')
  return { announcement, message }
}

async function sealed (id: Identity, kind: 'frame' | 'creation' | 'refresh', body: Uint8Array, how: 'attacker' | 'original' | 'none' | 'garbage', original: Uint8Array<ArrayBuffer>): Promise<Envelope> {
  const signature = how === 'attacker'
    ? (await id.codec.sign(kind, body)).signature
    : how === 'original' ? original : how === 'none' ? new Uint8Array(0) : new Noise(64, body.byteLength).bytes()
  return { body: body as Uint8Array<ArrayBuffer>, signature }
}

async function hostileFrameBytes (world: FuzzWorld, r: HostileFrame): Promise<Uint8Array<ArrayBuffer>> {
  const base = world.frames[r.base]
  const t = template(world)
  const frame: Frame = {
    ...base.frame,
    // re-signed by the attacker, the frame names the attacker unless the recipe forges another author
    from: r.from != null ? whoBytes(world, r.from) : r.seal === 'attacker' ? world.attacker.peerIdBytes : base.frame.from
  }
  if (r.roomID !== undefined) frame.roomID = strOf(r.roomID)
  if (r.session !== undefined) frame.session = r.session
  if (r.shape === 'both') {
    frame.announcement ??= t.announcement
    frame.message ??= t.message
  } else if (r.shape === 'neither') {
    delete frame.announcement
    delete frame.message
  }
  if (r.announcement != null && frame.announcement != null) frame.announcement = editedAnnouncement(world, frame.announcement, r.announcement)
  if (r.message != null && frame.message != null) frame.message = editedMessage(frame.message, r.message)
  // encoded as roomsub encodes, so the hostile values reach the gate exactly as chosen
  let body = encodeMessage(Frame.codec(), frame)
  if (r.tail !== undefined) body = concat(body, encodeMessage(Frame.codec(), world.frames[r.tail].frame))
  return Envelope.encode(await sealed(world.attacker, 'frame', body, r.seal, base.signature))
}

export async function frameBytes (world: FuzzWorld, r: FrameRecipe): Promise<Uint8Array<ArrayBuffer>> {
  switch (r.source) {
    case 'valid': return world.frames[r.base].bytes
    case 'random': return bytesOf(r.bytes)
    case 'mutated': return mutate(world.frames[r.base].bytes, r.mutations, world.encodings)
    case 'hostile': return hostileFrameBytes(world, r)
  }
}

// ------------------------------------------------------------------ target (a): the frame gate

/** A gate with no send-rate cap (the fuzzer replays one author thousands of times) and no wait for unknown senders. */
function gateFor (codec: EnvelopeCodec): FrameGate {
  return new FrameGate({ codec, messagesPerSecond: Number.MAX_SAFE_INTEGER, strangerWait: 0 })
}

/** A room we created, in which the three honest members' real JOINs have been applied. */
function honestRoom (world: FuzzWorld, delivered: Array<{ senderUserID: string, messageID: string }>): Room {
  const room = new Room({
    roomID: world.roomID,
    localUserID: world.local.userID,
    localPeerId: world.local.peerIdString,
    memberTimeout: 60_000,
    heartbeatInterval: 1000,
    maxMembers: 10_000,
    // no gap timer may fire during a case: the room is closed (timers cleared) at its end
    reorderWindow: 60 * 60_000,
    callbacks: roomCallbacks({ message: (_room, m) => { delivered.push({ senderUserID: m.senderUserID ?? '', messageID: m.messageID ?? '' }) } })
  })
  room.generation = world.generation
  for (const h of world.honest) {
    if (room.applyAnnouncement(h.author, h.frame, h.announcement, h.raw, true) !== 'accept') {
      throw new Error(`${h.id.userID}'s JOIN was not accepted`)
    }
  }
  room.connected = true
  return room
}

/**
 * How a frame reaches the gate: published on the topic (admit), or as a bare
 * body (the envelope's body, or the bytes themselves if they are no envelope)
 * on the attacker's own direct link (admitBody).
 */
export interface GateInput { recipe: FrameRecipe, bare: boolean }

/**
 * What an attacker would send bare: the envelope's Frame marked as sent to
 * every member (as an author's bare messages are), or its body as it is if
 * that is no Frame, or the bytes themselves if they are no envelope.
 */
function bareBody (bytes: Uint8Array): Uint8Array {
  let body: Uint8Array
  try {
    body = Envelope.decode(bytes).body
  } catch {
    return bytes
  }
  try {
    return encodeMessage(Frame.codec(), { ...Frame.decode(body, { limits: FRAME_DECODE_LIMITS }), direct: { unreached: [] } })
  } catch {
    return body
  }
}

/**
 * One case: a fresh room with the honest members, then 1-4 frames from the
 * network in a row. Each frame resolves to a verdict (never throws), every
 * refusal is counted under exactly one reason, the honest members stay bound
 * to their keys, nothing is delivered in an honest member's name that it did
 * not send, and the room grows by at most one member per accepted frame.
 */
async function admitCase (world: FuzzWorld, tally: Tally, inputs: GateInput[]): Promise<void> {
  const delivered: Array<{ senderUserID: string, messageID: string }> = []
  const room = honestRoom(world, delivered)
  const gate = gateFor(world.gateCodec)
  let accepted = 0
  try {
    for (const { recipe, bare } of inputs) {
      const bytes = await frameBytes(world, recipe)
      const before = { ...gate.stats }
      const admission: Admission = await timed(`${bare ? 'admitBody' : 'admit'} of ${bytes.byteLength} bytes`, async () => {
        try {
          return bare ? await gate.admitBody(room, bareBody(bytes), world.attacker.peerIdString) : await gate.admit(room, bytes)
        } catch (err) {
          throw new Error(`admit threw (it must count and refuse instead): ${String(err)}`)
        }
      })
      // only a body on its author's own link can be delivered without being passed on
      const verdict = bare && admission === 'delivered' ? 'accept' : admission
      if (verdict !== 'accept' && verdict !== 'ignore' && verdict !== 'reject') throw new Error(`${bare ? 'admitBody' : 'admit'} returned ${String(admission)}`)
      const changed = Object.keys(gate.stats).filter(k => gate.stats[k] !== (before[k] ?? 0))
      const counted = changed.reduce((n, k) => n + gate.stats[k] - (before[k] ?? 0), 0)
      if (counted !== (verdict === 'accept' ? 0 : 1) || changed.length > 1) {
        throw new Error(`verdict ${verdict} changed the counters by ${counted} (${changed.join(', ')})`)
      }
      if (verdict === 'accept') accepted++
      tally.add(`${bare ? 'bare ' : ''}${verdict === 'accept' ? 'accept' : `${verdict}: ${changed[0]}`}`)

      // the snapshot path opens the same bytes with gate.open: it may throw, but only Errors
      try {
        await gate.open(bytes)
      } catch (err) {
        asError(err, 'gate.open')
      }

      for (const h of world.honest) {
        const m = room.members.get(h.id.userID)
        if (m == null || m.userID !== h.id.userID || m.peerId !== h.author) {
          throw new Error(`honest member ${h.id.userID} was ${m == null ? 'removed' : `rebound to ${m.peerId}`}`)
        }
      }
      if (room.members.has(world.local.userID)) throw new Error('a frame made our own userID a member')
      if (room.members.size > world.honest.length + accepted) {
        throw new Error(`${room.members.size} members after ${accepted} accepted frames`)
      }
      for (const d of delivered) {
        if (world.honest.some(h => h.id.userID === d.senderUserID) && !world.honestMessageIDs.has(d.messageID)) {
          throw new Error(`a message ${d.messageID} was delivered in ${d.senderUserID}'s name that it never sent`)
        }
      }
    }
  } finally {
    room.close()
  }
}

// ------------------------------------------------------------------ target (b): the protons decoders

interface Decoder { name: string, decode: (b: Uint8Array) => unknown, reencode: (v: unknown) => Uint8Array }

/** Sealed messages as their author sends them on a link: each body bare, its Seal on the next frame (the last's alone). */
function bareLinkFrames (roomID: string, envelopes: Uint8Array[]): Array<Uint8Array<ArrayBuffer>> {
  const opened = envelopes.map(e => Envelope.decode(e)).map(e => ({ body: e.body, signature: e.signature, frame: Frame.decode(e.body) }))
  const sealOf = (o: typeof opened[number]): Seal => ({ session: o.frame.session, seq: o.frame.message?.seq ?? 0n, signature: o.signature })
  const out = opened.map((o, i) => encodeDirectFrame(roomID, { body: o.body, seals: i > 0 ? [sealOf(opened[i - 1])] : [] }))
  if (opened.length > 0) out.push(encodeDirectFrame(roomID, { seals: [sealOf(opened[opened.length - 1])] }))
  return out as Array<Uint8Array<ArrayBuffer>>
}

/** decodes as the generated code does; re-encodes as roomsub does (src/wire/encode.ts) */
function decoder<T> (name: string, codec: () => Codec<T>, decode: (b: Uint8Array) => T): Decoder {
  return { name, decode, reencode: v => encodeMessage(codec(), v as T) }
}

/**
 * Every message type the wire format has, decoded as the library does, with
 * its limits (the gate's addrs cap; the snapshot and record caps of
 * room-manager.ts and record.ts, which those modules keep private).
 */
export const DECODERS: Decoder[] = [
  decoder('Envelope', Envelope.codec, b => Envelope.decode(b)),
  decoder('Frame', Frame.codec, b => Frame.decode(b, { limits: FRAME_DECODE_LIMITS })),
  decoder('AttributeUpdate', AttributeUpdate.codec, b => AttributeUpdate.decode(b, { limits: FRAME_DECODE_LIMITS.attributes })),
  decoder('Announcement', Announcement.codec, b => Announcement.decode(b)),
  decoder('ChatMessage', ChatMessage.codec, b => ChatMessage.decode(b)),
  decoder('RoomGeneration', RoomGeneration.codec, b => RoomGeneration.decode(b)),
  decoder('SnapshotRequest', SnapshotRequest.codec, b => SnapshotRequest.decode(b)),
  decoder('SnapshotResponse', SnapshotResponse.codec, b => SnapshotResponse.decode(b, { limits: { announcements: 10_000, attributes: 65_792 } })),
  decoder('HistoryRequest', HistoryRequest.codec, b => HistoryRequest.decode(b, { limits: { messageIDs: MAX_HISTORY_PAGE } })),
  decoder('HistoryResponse', HistoryResponse.codec, b => HistoryResponse.decode(b, { limits: { messages: MAX_HISTORY_PAGE } })),
  decoder('RoomCreation', RoomCreation.codec, b => RoomCreation.decode(b)),
  decoder('RoomRefresh', RoomRefresh.codec, b => RoomRefresh.decode(b, { limits: { addrs: 16 } })),
  decoder('RoomRecord', RoomRecord.codec, b => RoomRecord.decode(b)),
  decoder('DirectFrame', DirectFrame.codec, b => DirectFrame.decode(b, { limits: { seals: MAX_SEALS_PER_FRAME } })),
  decoder('Seal', Seal.codec, b => Seal.decode(b)),
  // a direct link's reader: the whole frames the bytes hold, as a link hands them on (a partial one waits)
  {
    name: 'direct link reader',
    decode: b => {
      const buffer = new Uint8ArrayList(b)
      const frames: DirectFrame[] = []
      for (let body = nextDirectFrame(buffer); body != null; body = nextDirectFrame(buffer)) frames.push(decodeDirectFrame(body))
      return frames
    },
    reencode: v => concat(...(v as DirectFrame[]).map(f => encodeDirectFrame(f.roomID, f) as Uint8Array<ArrayBuffer>))
  }
]

export type BytesRecipe =
  | { source: 'random', bytes: Bytes }
  | { source: 'mutated', base: number, mutations: Mutation[] }

export function bytesRecipeArb (world: FuzzWorld): fc.Arbitrary<BytesRecipe> {
  return fc.oneof(
    fc.record({ source: fc.constant('random' as const), bytes: randomBytes }),
    { weight: 2, arbitrary: fc.record({ source: fc.constant('mutated' as const), base: fc.nat({ max: world.encodings.length - 1 }), mutations: mutationsArb() }) }
  )
}

function bytesFrom (world: FuzzWorld, r: BytesRecipe): Uint8Array<ArrayBuffer> {
  return r.source === 'random' ? bytesOf(r.bytes) : mutate(world.encodings[r.base].bytes, r.mutations, world.encodings)
}

/**
 * One case: the same bytes through every decoder. Each returns or throws an
 * Error, in bounded time; what it returns re-encodes, and the re-encoding
 * decodes to an equal value (nothing decoded is a half-built object).
 */
function decodeCase (world: FuzzWorld, tally: Tally, recipe: BytesRecipe): void {
  const bytes = bytesFrom(world, recipe)
  for (const c of DECODERS) {
    const started = performance.now()
    let decoded: unknown
    let thrown: Error | undefined
    try {
      decoded = c.decode(bytes)
    } catch (err) {
      thrown = asError(err, `${c.name}.decode`)
    }
    const took = performance.now() - started
    if (took > MAX_CASE_STEP_MS) throw new Error(`${c.name}.decode took ${Math.round(took)} ms on ${bytes.byteLength} bytes`)
    if (thrown != null) {
      tally.add(`${c.name} threw ${thrown.name}`)
      continue
    }
    let again: unknown
    try {
      again = c.decode(c.reencode(decoded))
    } catch (err) {
      throw new Error(`${c.name}: a decoded value does not re-encode and decode: ${String(err)}`)
    }
    if (!equalValues(decoded, again)) throw new Error(`${c.name}: re-encoding a decoded value changed it`)
    tally.add(`${c.name} decoded`)
  }
}

function equalValues (a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(b)
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equalValues(x, b[i]))
  if (a != null && b != null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).filter(k => (a as Record<string, unknown>)[k] !== undefined).sort()
    const kb = Object.keys(b).filter(k => (b as Record<string, unknown>)[k] !== undefined).sort()
    return equalValues(ka, kb) && ka.every(k => equalValues((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  }
  if (typeof a === 'string' && typeof b === 'string') {
    // protons' lenient UTF-8 reader lets lone surrogates through and its writer turns them into U+FFFD:
    // harmless (signatures cover the received bytes, never a re-encoding), so strings compare well-formed
    return Buffer.from(a).equals(Buffer.from(b))
  }
  return a === b
}

// ------------------------------------------------------------------ target (c): the registry validator and selector

export interface CreationEdit {
  roomID?: Str
  roomName?: Str
  destroyDelay?: number
  generation?: GenerationEdit
}

export interface RefreshEdit {
  refresher?: Who
  updatedAt?: bigint
  expiresAt?: bigint
  addrs?: Bytes[]
  /** fresh: the hash of the (edited) creation body, as an honest refresher computes it */
  creationHash?: 'fresh' | 'kept' | Bytes
  vacant?: boolean
}

/** A real record, decoded, with fields of either part replaced, each part re-encoded and sealed one way or another. */
export interface HostileRecord {
  source: 'hostile'
  base: number
  creation?: CreationEdit
  refresh?: RefreshEdit
  creationSeal: 'attacker' | 'original' | 'none' | 'garbage'
  refreshSeal: 'attacker' | 'original' | 'none' | 'garbage'
  parts: 'both' | 'no-creation' | 'no-refresh'
}

export type RecordRecipe =
  | { source: 'valid', base: number }
  | { source: 'random', bytes: Bytes }
  | { source: 'mutated', base: number, mutations: Mutation[] }
  | HostileRecord

export function recordRecipeArb (world: FuzzWorld): fc.Arbitrary<RecordRecipe> {
  const base = fc.nat({ max: world.records.length - 1 })
  const str = hostileString(world)
  const time = fc.oneof(hostileBigInt, fc.integer({ min: -2 * DAY, max: 2 * DAY }).map(d => BigInt(world.now + d)))
  const seal = fc.constantFrom('attacker' as const, 'attacker' as const, 'original' as const, 'none' as const, 'garbage' as const)
  return fc.oneof(
    fc.record({ source: fc.constant('valid' as const), base }),
    fc.record({ source: fc.constant('random' as const), bytes: randomBytes }),
    fc.record({ source: fc.constant('mutated' as const), base, mutations: mutationsArb() }),
    { weight: 2,
      arbitrary: fc.record({
        source: fc.constant('hostile' as const),
        base,
        creation: edits<CreationEdit>({ roomID: str, roomName: str, destroyDelay: hostileUint32, generation: generationArb(world) }),
        refresh: edits<RefreshEdit>({
          refresher: whoArb(world),
          updatedAt: time,
          expiresAt: time,
          addrs: fc.array(fc.oneof(fc.constantFrom(...ADDRS.map(a => a.bytes)), smallBytes), { maxLength: 20 }),
          creationHash: fc.oneof(fc.constantFrom('fresh' as const, 'kept' as const), smallBytes),
          vacant: fc.boolean()
        }),
        creationSeal: seal,
        refreshSeal: seal,
        parts: fc.constantFrom('both' as const, 'both' as const, 'both' as const, 'no-creation' as const, 'no-refresh' as const)
      }) }
  )
}

async function hostileRecordBytes (world: FuzzWorld, r: HostileRecord): Promise<Uint8Array<ArrayBuffer>> {
  const base = world.records[r.base]
  const ce = r.creation ?? {}
  const re = r.refresh ?? {}
  const creation: RoomCreation = {
    ...base.creation,
    // re-signed by the attacker, the creation names the attacker as creator unless the recipe says otherwise
    ...(r.creationSeal === 'attacker' && base.creation.generation != null && { generation: { ...base.creation.generation, creator: world.attacker.peerIdBytes } }),
    ...(ce.roomID !== undefined && { roomID: strOf(ce.roomID) }),
    ...(ce.roomName !== undefined && { roomName: strOf(ce.roomName) }),
    ...(ce.destroyDelay !== undefined && { destroyDelay: ce.destroyDelay }),
    ...(ce.generation !== undefined && { generation: generationOf(world, ce.generation) })
  }
  const creationBody = encodeMessage(RoomCreation.codec(), creation)
  const hash = re.creationHash
  const refresh: RoomRefresh = {
    ...base.refresh,
    refresher: re.refresher != null ? whoBytes(world, re.refresher) : r.refreshSeal === 'attacker' ? world.attacker.peerIdBytes : base.refresh.refresher,
    creationHash: hash === undefined || hash === 'fresh' ? sha256(creationBody) : hash === 'kept' ? base.refresh.creationHash : bytesOf(hash),
    ...(re.updatedAt !== undefined && { updatedAt: re.updatedAt }),
    ...(re.expiresAt !== undefined && { expiresAt: re.expiresAt }),
    ...(re.addrs !== undefined && { addrs: re.addrs.map(bytesOf) }),
    ...(re.vacant !== undefined && { vacant: re.vacant })
  }
  const record: RoomRecord = {}
  if (r.parts !== 'no-creation') record.creation = await sealed(world.attacker, 'creation', creationBody, r.creationSeal, base.creationSignature)
  if (r.parts !== 'no-refresh') record.refresh = await sealed(world.attacker, 'refresh', encodeMessage(RoomRefresh.codec(), refresh), r.refreshSeal, base.refreshSignature)
  return RoomRecord.encode(record)
}

export async function recordBytes (world: FuzzWorld, r: RecordRecipe): Promise<Uint8Array<ArrayBuffer>> {
  switch (r.source) {
    case 'valid': return world.records[r.base].bytes
    case 'random': return bytesOf(r.bytes)
    case 'mutated': return mutate(world.records[r.base].bytes, r.mutations, world.encodings)
    case 'hostile': return hostileRecordBytes(world, r)
  }
}

/**
 * One case: 1-6 records for the room's key. The validator resolves or
 * rejects with an Error for each; the selector, given the ones that passed
 * (or a valid one when none did), and given them all as received, never
 * throws and returns an index in range. A snapshot's creation envelope
 * (openCreation) is checked the same way: returns or throws an Error.
 */
async function registryCase (world: FuzzWorld, tally: Tally, recipes: RecordRecipe[]): Promise<void> {
  const { key, validate, select } = world.registry
  const values = await Promise.all(recipes.map(async r => recordBytes(world, r)))
  const passed: Uint8Array[] = []
  for (const [i, value] of values.entries()) {
    try {
      await timed(`validation of ${value.byteLength} bytes`, async () => validate(key, value))
      passed.push(value)
      tally.add(`validator accepted (${recipes[i].source})`)
    } catch (err) {
      tally.add(`validator rejected: ${bucket(asError(err, 'the validator'))}`)
    }
    let creationEnvelope: Uint8Array = value
    try {
      const parts = RoomRecord.decode(value)
      if (parts.creation != null) creationEnvelope = Envelope.encode(parts.creation)
    } catch {}
    try {
      await openCreation(world.gateCodec, creationEnvelope)
    } catch (err) {
      asError(err, 'openCreation')
    }
  }
  const stillValid = recipes.filter(r => r.source === 'valid' && world.records[r.base].validUntil > Date.now() + 1000)
  if (stillValid.length > 0 && passed.length === 0) {
    throw new Error('the validator refused every record, valid ones included')
  }
  // records[0] is the live record, valid for a day
  for (const [what, list] of [['validated', passed.length > 0 ? passed : [world.records[0].bytes]], ['as received', values]] as const) {
    let index: number
    try {
      index = await select(key, list)
    } catch (err) {
      throw new Error(`the selector threw on ${list.length} records (${what}): ${String(err)}`)
    }
    if (!Number.isInteger(index) || index < 0 || index >= list.length) {
      throw new Error(`the selector returned ${index} for ${list.length} records (${what})`)
    }
  }
  tally.add(`selector ranked ${passed.length} validated`)
}

// ------------------------------------------------------------------ the targets

export interface CheckOptions {
  numRuns: number
  seed?: number
  /** ms one case may take before it counts as a hang */
  timeout?: number
}

export interface CheckResult {
  failed: boolean
  seed: number
  numRuns: number
  /** fast-check's report: seed, path, shrunk counterexample and error */
  report?: string
}

export interface FuzzTarget {
  name: string
  /** what one case exercises */
  covers: string
  check(world: FuzzWorld, tally: Tally, options: CheckOptions): Promise<CheckResult>
}

async function run<T> (arb: fc.Arbitrary<T>, body: (value: T) => Promise<void>, options: CheckOptions): Promise<CheckResult> {
  const details = await fc.check(fc.asyncProperty(arb, body), {
    numRuns: options.numRuns,
    seed: options.seed,
    timeout: options.timeout ?? 10_000
  })
  let report = fc.defaultReportMessage(details)
  if (details.failed && details.errorInstance != null && report?.includes('Got error') !== true) {
    // without verbose mode the report names the counterexample but not what it broke
    report = `${report ?? ''}\nGot error: ${details.errorInstance instanceof Error ? details.errorInstance.stack ?? details.errorInstance.message : String(details.errorInstance)}`
  }
  return { failed: details.failed, seed: details.seed, numRuns: details.numRuns, report }
}

export const FUZZ_TARGETS: FuzzTarget[] = [
  {
    name: 'frame gate',
    covers: 'FrameGate.admit (and gate.open) on 1-4 random, mutated or hostile frames in a room holding 3 honest members, and admitBody on the same as bare bodies on the attacker\'s direct link',
    check: async (world, tally, options) => run(fc.array(fc.record({ recipe: frameRecipeArb(world), bare: fc.boolean() }), { minLength: 1, maxLength: 4 }), async inputs => admitCase(world, tally, inputs), options)
  },
  {
    name: 'protons decoders',
    covers: `${DECODERS.map(d => d.name).join(', ')} on random and mutated encodings`,
    check: async (world, tally, options) => run(bytesRecipeArb(world), async recipe => { decodeCase(world, tally, recipe) }, options)
  },
  {
    name: 'registry rules',
    covers: 'the DHT validator and selector of registryRules, and openCreation, on 1-6 valid, random, mutated or hostile records',
    check: async (world, tally, options) => run(fc.array(recordRecipeArb(world), { minLength: 1, maxLength: 6 }), async recipes => registryCase(world, tally, recipes), options)
  }
]
