/**
 * The room record: what a room's existence looks like in the DHT. A record
 * is a creation (signed by the creator, fixed for one room lifetime) plus a
 * refresh (signed by whichever member last pushed the expiry forward). This
 * module encodes, verifies and ranks records; it knows nothing of the DHT.
 */
import { copyBytes } from '../wire/bytes.js'
import { createHash } from 'node:crypto'
import { multiaddr } from '@multiformats/multiaddr'
import { Envelope, RoomCreation, RoomRecord, RoomRefresh } from '../wire/roomsub.js'
import type { EnvelopeCodec } from '../wire/envelope.js'
import type { Multiaddr } from '@multiformats/multiaddr'

/** An expired record is still accepted this long, so that a closing refresh can replace a live one everywhere. */
export const RECORD_GRACE_MS = 10 * 60 * 1000

export interface Generation {
  creator: string
  creatorBytes: Uint8Array
  createdAt: number
}

export interface RoomRecordView {
  roomID: string
  roomName: string
  destroyDelay: number
  generation: Generation
  refresher: string
  updatedAt: number
  expiresAt: number
  vacant: boolean
  addrs: Multiaddr[]
  creation: SealedCreation
}

export function registryKey (appID: number, roomID: string): Uint8Array {
  return new TextEncoder().encode(`/roomsub/1/${appID}/${roomID}`)
}

export type GenerationID = Pick<Generation, 'creatorBytes' | 'createdAt'>

export function generationKey (g: GenerationID): string {
  return `${g.createdAt}:${Buffer.from(g.creatorBytes).toString('base64')}`
}

/** Negative when `a` is the earlier room lifetime, which wins a creation race (ties by creator peer id bytes). */
export function compareGenerations (a: GenerationID, b: GenerationID): number {
  if (a.createdAt !== b.createdAt) {
    return a.createdAt - b.createdAt
  }
  return Buffer.compare(a.creatorBytes, b.creatorBytes)
}

export function isLive (record: RoomRecordView, now = Date.now()): boolean {
  return record.expiresAt > now
}

function sha256 (bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest()
}

export interface CreationFields {
  roomID: string
  roomName: string
  destroyDelay: number
  createdAt: number
}

export interface RefreshFields {
  updatedAt: number
  expiresAt: number
  vacant: boolean
  addrs: Multiaddr[]
}

/** A signed creation, kept by members so any of them can sign refreshes for it. */
export interface SealedCreation {
  envelope: Uint8Array
  hash: Uint8Array
}

/** Checks a creation envelope handed over by a peer (snapshot) and returns it sealed for refreshing. */
export async function openCreation (codec: EnvelopeCodec, envelope: Uint8Array): Promise<{ sealed: SealedCreation, roomID: string, generation: Generation, roomName: string, destroyDelay: number }> {
  const opened = await codec.open<RoomCreation>('creation', envelope, { decode: (b) => RoomCreation.decode(b) }, c => c.generation?.creator ?? new Uint8Array(0))
  const c = opened.body
  if (c.generation == null) {
    throw new Error('creation lacks a generation')
  }
  return {
    sealed: { envelope: copyBytes(envelope), hash: sha256(opened.bodyBytes) },
    roomID: c.roomID,
    roomName: c.roomName,
    destroyDelay: c.destroyDelay,
    generation: { creator: opened.author.peerIdString, creatorBytes: copyBytes(c.generation.creator), createdAt: Number(c.generation.createdAt) }
  }
}

export async function sealCreation (codec: EnvelopeCodec, fields: CreationFields): Promise<SealedCreation> {
  const body = RoomCreation.encode({
    roomID: fields.roomID,
    roomName: fields.roomName,
    destroyDelay: fields.destroyDelay,
    generation: { creator: codec.self.peerIdBytes as Uint8Array<ArrayBuffer>, createdAt: BigInt(fields.createdAt) }
  })
  return { envelope: await codec.seal('creation', body), hash: sha256(body) }
}

export async function sealRecord (codec: EnvelopeCodec, creation: SealedCreation, fields: RefreshFields): Promise<Uint8Array> {
  const refresh = RoomRefresh.encode({
    refresher: codec.self.peerIdBytes as Uint8Array<ArrayBuffer>,
    updatedAt: BigInt(fields.updatedAt),
    expiresAt: BigInt(fields.expiresAt),
    vacant: fields.vacant,
    addrs: fields.addrs.map(a => a.bytes as Uint8Array<ArrayBuffer>),
    creationHash: creation.hash as Uint8Array<ArrayBuffer>
  })
  return RoomRecord.encode({
    creation: Envelope.decode(creation.envelope),
    refresh: await codec.sign('refresh', refresh)
  })
}

const MAX_RECORD_ADDRS = 16

/**
 * Verifies both signatures and the binding between them, and that the key
 * names this room. Throws on anything else; expired records within the grace
 * period are valid (a closing refresh must be able to travel).
 */
export async function openRecord (codec: EnvelopeCodec, key: Uint8Array, bytes: Uint8Array, now = Date.now()): Promise<RoomRecordView> {
  const record = RoomRecord.decode(bytes)
  if (record.creation == null || record.refresh == null) {
    throw new Error('record lacks creation or refresh')
  }
  const creation = await codec.openEnvelope<RoomCreation>('creation', record.creation, { decode: (b) => RoomCreation.decode(b) }, c => c.generation?.creator ?? new Uint8Array(0))
  const refresh = await codec.openEnvelope<RoomRefresh>('refresh', record.refresh, { decode: (b) => RoomRefresh.decode(b, { limits: { addrs: MAX_RECORD_ADDRS } }) }, r => r.refresher)
  const c = creation.body
  const r = refresh.body
  if (c.generation == null) {
    throw new Error('creation lacks a generation')
  }
  if (!Buffer.from(key).equals(registryKey(codec.appID, c.roomID))) {
    throw new Error('record is for another room')
  }
  if (!Buffer.from(sha256(creation.bodyBytes)).equals(r.creationHash)) {
    throw new Error('refresh is for another room lifetime')
  }
  const expiresAt = Number(r.expiresAt)
  if (expiresAt + RECORD_GRACE_MS < now) {
    throw new Error('record expired')
  }
  return {
    roomID: c.roomID,
    roomName: c.roomName,
    destroyDelay: c.destroyDelay,
    generation: { creator: creation.author.peerIdString, creatorBytes: copyBytes(c.generation.creator), createdAt: Number(c.generation.createdAt) },
    refresher: refresh.author.peerIdString,
    updatedAt: Number(r.updatedAt),
    expiresAt,
    vacant: r.vacant,
    addrs: r.addrs.flatMap(a => { try { return [multiaddr(a)] } catch { return [] } }),
    creation: { envelope: Envelope.encode(record.creation), hash: sha256(creation.bodyBytes) }
  }
}

/**
 * Ranks records for one key: first the newest refresh of each room lifetime,
 * then a live lifetime over an expired one, then the earliest creation (ties
 * by creator peer id). Every node ranks the same set the same way, so racing
 * creators settle on one winner.
 */
export function selectBest (records: RoomRecordView[], now = Date.now()): number {
  const newestPerGeneration = new Map<string, number>()
  records.forEach((r, i) => {
    const key = generationKey(r.generation)
    const seen = newestPerGeneration.get(key)
    if (seen == null || records[seen].updatedAt < r.updatedAt) {
      newestPerGeneration.set(key, i)
    }
  })
  let best = -1
  for (const i of newestPerGeneration.values()) {
    if (best === -1) {
      best = i
      continue
    }
    const a = records[i]
    const b = records[best]
    const aLive = isLive(a, now)
    const bLive = isLive(b, now)
    if (aLive !== bLive) {
      if (aLive) best = i
      continue
    }
    if (!aLive) {
      if (a.expiresAt > b.expiresAt) best = i
      continue
    }
    if (compareGenerations(a.generation, b.generation) < 0) {
      best = i
    }
  }
  return best
}
