/**
 * The one encoding on a chat message's path to the room, written by hand: a
 * chat-message Frame (sent straight to every member: `direct`, nobody
 * unreached) inside a DirectFrame with the Seals it carries, length-prefixed
 * as a direct link frames it, in one buffer and one pass. roomsub.proto
 * stays the definition and protons writes the very same bytes (the wire
 * tests check it), but protons queues an operation per field, then fills
 * one buffer for the Frame and another for the DirectFrame that copies it,
 * and the link copies that again behind its prefix. Messages come at a
 * chat's pace, so that code runs cold: it was 35 to 145 µs of the sender's
 * time before the first link write, which every receiver waits on.
 */
import { SHORT_STRING, utf8Length } from './bytes.js'
import type { ChatMessage, Frame, Seal } from './roomsub.js'

/** A chat message's Frame as the links carry it: its author, room, session and the message. */
export type LinkedFrame = Pick<Frame, 'from' | 'roomID' | 'session'> & { message: ChatMessage }

export interface LinkedMessage {
  /** the length-prefixed DirectFrame, for every link */
  wire: Uint8Array
  /** the encoded Frame inside it (a view of `wire`): what is signed, and kept */
  body: Uint8Array
}

/** varints of values up to this are written as numbers; above, as bigints */
const MAX_NUMBER = Number.MAX_SAFE_INTEGER

function varintLength (value: number): number {
  let n = 1
  while (value >= 128) {
    value = Math.floor(value / 128)
    n++
  }
  return n
}

function uint64Length (value: bigint): number {
  if (value >= 0 && value <= MAX_NUMBER) return varintLength(Number(value))
  let v = BigInt.asUintN(64, value)
  let n = 1
  while (v >= 128n) {
    v >>= 7n
    n++
  }
  return n
}

/** A length-delimited field's size: its tag, its length and its bytes. */
function delimited (length: number): number {
  return 1 + varintLength(length) + length
}

class Out {
  readonly buffer: Buffer
  pos = 0

  constructor (size: number) {
    this.buffer = Buffer.allocUnsafe(size)
  }

  varint (value: number): void {
    while (value >= 128) {
      this.buffer[this.pos++] = (value % 128) | 128
      value = Math.floor(value / 128)
    }
    this.buffer[this.pos++] = value
  }

  uint64 (value: bigint): void {
    if (value >= 0 && value <= MAX_NUMBER) {
      this.varint(Number(value))
      return
    }
    let v = BigInt.asUintN(64, value)
    while (v >= 128n) {
      this.buffer[this.pos++] = Number(v & 127n) | 128
      v >>= 7n
    }
    this.buffer[this.pos++] = Number(v)
  }

  bytes (tag: number, bytes: Uint8Array): void {
    this.buffer[this.pos++] = tag
    this.varint(bytes.byteLength)
    this.buffer.set(bytes, this.pos)
    this.pos += bytes.byteLength
  }

  string (tag: number, value: string, length: number): void {
    this.buffer[this.pos++] = tag
    this.varint(length)
    if (value.length >= SHORT_STRING) {
      this.pos += this.buffer.write(value, this.pos, length, 'utf8')
      return
    }
    const b = this.buffer
    let pos = this.pos
    for (let i = 0; i < value.length; i++) {
      let c = value.charCodeAt(i)
      if (c < 0x80) {
        b[pos++] = c
      } else if (c < 0x800) {
        b[pos++] = 0xc0 | (c >> 6)
        b[pos++] = 0x80 | (c & 0x3f)
      } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < value.length && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c - 0xd800) << 10) + (value.charCodeAt(++i) - 0xdc00)
        b[pos++] = 0xf0 | (c >> 18)
        b[pos++] = 0x80 | ((c >> 12) & 0x3f)
        b[pos++] = 0x80 | ((c >> 6) & 0x3f)
        b[pos++] = 0x80 | (c & 0x3f)
      } else {
        // a lone surrogate is written as U+FFFD
        if (c >= 0xd800 && c < 0xe000) c = 0xfffd
        b[pos++] = 0xe0 | (c >> 12)
        b[pos++] = 0x80 | ((c >> 6) & 0x3f)
        b[pos++] = 0x80 | (c & 0x3f)
      }
    }
    this.pos = pos
  }
}

/** protons' fields of a ChatMessage: each left out at its default */
function messageLength (m: ChatMessage, strings: number[]): number {
  let n = 0
  if (m.seq !== 0n) n += 1 + uint64Length(m.seq)
  if (m.timestamp !== 0n) n += 1 + uint64Length(m.timestamp)
  if (m.orderKey !== 0n) n += 1 + uint64Length(m.orderKey)
  if (m.type !== 0) n += 1 + varintLength(m.type >>> 0)
  for (const s of [m.userID, m.text]) {
    const length = utf8Length(s)
    strings.push(length)
    if (length > 0) n += delimited(length)
  }
  if (m.data.byteLength > 0) n += delimited(m.data.byteLength)
  if (m.subType !== 0) n += 1 + varintLength(m.subType >>> 0)
  for (const s of [m.searchedContent, m.extendedData]) {
    const length = utf8Length(s)
    strings.push(length)
    if (length > 0) n += delimited(length)
  }
  if (m.priority !== 0) n += 1 + varintLength(m.priority >>> 0)
  return n
}

function sealLength (seal: Seal): number {
  let n = 0
  if (seal.session !== 0n) n += 1 + uint64Length(seal.session)
  if (seal.seq !== 0n) n += 1 + uint64Length(seal.seq)
  if (seal.signature.byteLength > 0) n += delimited(seal.signature.byteLength)
  return n
}

/**
 * `frame`'s chat message as a direct link carries it, with `seals` of
 * earlier ones: the bytes of `encodeDirectFrame(frame.roomID, { body:
 * encodeMessage(Frame.codec(), { ...frame, direct: { unreached: [] } }), seals })`.
 */
export function encodeLinkedMessage (frame: LinkedFrame, seals: Seal[] = []): LinkedMessage {
  const m = frame.message
  const roomIDLength = utf8Length(frame.roomID)
  const strings: number[] = []
  const messageBytes = messageLength(m, strings)
  let bodyBytes = delimited(messageBytes) + 2
  if (frame.from.byteLength > 0) bodyBytes += delimited(frame.from.byteLength)
  if (roomIDLength > 0) bodyBytes += delimited(roomIDLength)
  if (frame.session !== 0n) bodyBytes += 1 + uint64Length(frame.session)
  let frameBytes = delimited(bodyBytes)
  if (roomIDLength > 0) frameBytes += delimited(roomIDLength)
  const sealBytes = seals.map(sealLength)
  for (const n of sealBytes) frameBytes += delimited(n)

  const out = new Out(varintLength(frameBytes) + frameBytes)
  out.varint(frameBytes)
  // DirectFrame: roomID = 1, body = 3, seals = 4
  if (roomIDLength > 0) out.string(0x0a, frame.roomID, roomIDLength)
  out.buffer[out.pos++] = 0x1a
  out.varint(bodyBytes)
  const bodyStart = out.pos
  // Frame: from = 1, roomID = 2, session = 3, message = 5, direct = 7
  if (frame.from.byteLength > 0) out.bytes(0x0a, frame.from)
  if (roomIDLength > 0) out.string(0x12, frame.roomID, roomIDLength)
  if (frame.session !== 0n) {
    out.buffer[out.pos++] = 0x18
    out.uint64(frame.session)
  }
  out.buffer[out.pos++] = 0x2a
  out.varint(messageBytes)
  // ChatMessage: fields 1 to 11
  if (m.seq !== 0n) {
    out.buffer[out.pos++] = 0x08
    out.uint64(m.seq)
  }
  if (m.timestamp !== 0n) {
    out.buffer[out.pos++] = 0x10
    out.uint64(m.timestamp)
  }
  if (m.orderKey !== 0n) {
    out.buffer[out.pos++] = 0x18
    out.uint64(m.orderKey)
  }
  if (m.type !== 0) {
    out.buffer[out.pos++] = 0x20
    out.varint(m.type >>> 0)
  }
  if (strings[0] > 0) out.string(0x2a, m.userID, strings[0])
  if (strings[1] > 0) out.string(0x32, m.text, strings[1])
  if (m.data.byteLength > 0) out.bytes(0x3a, m.data)
  if (m.subType !== 0) {
    out.buffer[out.pos++] = 0x40
    out.varint(m.subType >>> 0)
  }
  if (strings[2] > 0) out.string(0x4a, m.searchedContent, strings[2])
  if (strings[3] > 0) out.string(0x52, m.extendedData, strings[3])
  if (m.priority !== 0) {
    out.buffer[out.pos++] = 0x58
    out.varint(m.priority >>> 0)
  }
  // direct: a DirectFanout with nobody unreached, an empty message
  out.buffer[out.pos++] = 0x3a
  out.buffer[out.pos++] = 0x00
  const bodyEnd = out.pos
  for (let i = 0; i < seals.length; i++) {
    const seal = seals[i]
    out.buffer[out.pos++] = 0x22
    out.varint(sealBytes[i])
    if (seal.session !== 0n) {
      out.buffer[out.pos++] = 0x08
      out.uint64(seal.session)
    }
    if (seal.seq !== 0n) {
      out.buffer[out.pos++] = 0x10
      out.uint64(seal.seq)
    }
    if (seal.signature.byteLength > 0) out.bytes(0x1a, seal.signature)
  }
  if (out.pos !== out.buffer.byteLength) throw new Error(`link message of ${out.pos} bytes, ${out.buffer.byteLength} counted`)
  // plain Uint8Arrays, as protons returns: what is decoded from them is no Buffer either
  const wire = new Uint8Array(out.buffer.buffer, out.buffer.byteOffset, out.buffer.byteLength)
  return { wire, body: wire.subarray(bodyStart, bodyEnd) }
}
