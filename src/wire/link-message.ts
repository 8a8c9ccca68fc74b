/**
 * The one encoding on a chat message's path to the room, written by hand: a
 * chat-message Frame (sent straight to every member: `direct`, nobody
 * unreached) inside a DirectFrame with the Seals it carries, length-prefixed
 * as a direct link frames it, in one buffer and one pass. roomsub.proto
 * stays the definition and protons writes the very same bytes (a property
 * test in test/fuzz.test.ts compares them), but protons queues an operation
 * per field, then fills one buffer for the Frame and another for the
 * DirectFrame that copies it, and the link copies that again behind its
 * prefix. Messages come at a chat's pace, so that code runs cold: 62 to 74
 * µs there, this 38 to 40, before the first link write every receiver waits on.
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

/** protons leaves a field out at its default: these are the sizes of fields as written, 0 if left out */
function uint64FieldSize (value: bigint): number {
  return value === 0n ? 0 : 1 + uint64Length(value)
}

function uint32FieldSize (value: number): number {
  return value === 0 ? 0 : 1 + varintLength(value >>> 0)
}

/** a length-delimited field of `length` bytes: its tag, its length and its bytes (`always`: even if empty) */
function delimitedFieldSize (length: number, always = false): number {
  return length === 0 && !always ? 0 : 1 + varintLength(length) + length
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

  uint64Field (tag: number, value: bigint): void {
    if (value === 0n) return
    this.buffer[this.pos++] = tag
    this.uint64(value)
  }

  uint32Field (tag: number, value: number): void {
    if (value === 0) return
    this.buffer[this.pos++] = tag
    this.varint(value >>> 0)
  }

  /** the tag and length of a length-delimited field whose bytes follow */
  delimited (tag: number, length: number): void {
    this.buffer[this.pos++] = tag
    this.varint(length)
  }

  bytesField (tag: number, bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return
    this.delimited(tag, bytes.byteLength)
    this.buffer.set(bytes, this.pos)
    this.pos += bytes.byteLength
  }

  /** a string field of `length` UTF-8 bytes; left out if empty */
  stringField (tag: number, value: string, length: number): void {
    if (length === 0) return
    this.delimited(tag, length)
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

/** UTF-8 lengths of a ChatMessage's strings, counted once for its size and its writing */
interface MessageStrings { userID: number, text: number, searchedContent: number, extendedData: number }

function messageStrings (m: ChatMessage): MessageStrings {
  return { userID: utf8Length(m.userID), text: utf8Length(m.text), searchedContent: utf8Length(m.searchedContent), extendedData: utf8Length(m.extendedData) }
}

function messageLength (m: ChatMessage, strings: MessageStrings): number {
  return uint64FieldSize(m.seq) + uint64FieldSize(m.timestamp) + uint64FieldSize(m.orderKey) + uint32FieldSize(m.type) +
    delimitedFieldSize(strings.userID) + delimitedFieldSize(strings.text) + delimitedFieldSize(m.data.byteLength) + uint32FieldSize(m.subType) +
    delimitedFieldSize(strings.searchedContent) + delimitedFieldSize(strings.extendedData) + uint32FieldSize(m.priority)
}

function sealLength (seal: Seal): number {
  return uint64FieldSize(seal.session) + uint64FieldSize(seal.seq) + delimitedFieldSize(seal.signature.byteLength)
}

/**
 * `frame`'s chat message as a direct link carries it, with `seals` of
 * earlier ones: the bytes of `encodeDirectFrame(frame.roomID, { body:
 * encodeMessage(Frame.codec(), { ...frame, direct: { unreached: [] } }), seals })`.
 */
export function encodeLinkedMessage (frame: LinkedFrame, seals: Seal[] = []): LinkedMessage {
  const m = frame.message
  const roomIDLength = utf8Length(frame.roomID)
  const strings = messageStrings(m)
  const messageBytes = messageLength(m, strings)
  // the message, and `direct` (an empty DirectFanout: nobody unreached) always
  const bodyBytes = delimitedFieldSize(frame.from.byteLength) + delimitedFieldSize(roomIDLength) + uint64FieldSize(frame.session) +
    delimitedFieldSize(messageBytes, true) + delimitedFieldSize(0, true)
  const sealBytes = seals.map(sealLength)
  let frameBytes = delimitedFieldSize(roomIDLength) + delimitedFieldSize(bodyBytes, true)
  for (const n of sealBytes) frameBytes += delimitedFieldSize(n, true)

  const out = new Out(varintLength(frameBytes) + frameBytes)
  out.varint(frameBytes)
  // DirectFrame: roomID = 1, body = 3, seals = 4
  out.stringField(0x0a, frame.roomID, roomIDLength)
  out.delimited(0x1a, bodyBytes)
  const bodyStart = out.pos
  // Frame: from = 1, roomID = 2, session = 3, message = 5, direct = 7
  out.bytesField(0x0a, frame.from)
  out.stringField(0x12, frame.roomID, roomIDLength)
  out.uint64Field(0x18, frame.session)
  out.delimited(0x2a, messageBytes)
  // ChatMessage: fields 1 to 11
  out.uint64Field(0x08, m.seq)
  out.uint64Field(0x10, m.timestamp)
  out.uint64Field(0x18, m.orderKey)
  out.uint32Field(0x20, m.type)
  out.stringField(0x2a, m.userID, strings.userID)
  out.stringField(0x32, m.text, strings.text)
  out.bytesField(0x3a, m.data)
  out.uint32Field(0x40, m.subType)
  out.stringField(0x4a, m.searchedContent, strings.searchedContent)
  out.stringField(0x52, m.extendedData, strings.extendedData)
  out.uint32Field(0x58, m.priority)
  out.delimited(0x3a, 0)
  const bodyEnd = out.pos
  for (let i = 0; i < seals.length; i++) {
    out.delimited(0x22, sealBytes[i])
    out.uint64Field(0x08, seals[i].session)
    out.uint64Field(0x10, seals[i].seq)
    out.bytesField(0x1a, seals[i].signature)
  }
  if (out.pos !== out.buffer.byteLength) throw new Error(`link message of ${out.pos} bytes, ${out.buffer.byteLength} counted`)
  // plain Uint8Arrays, as protons returns: what is decoded from them is no Buffer either
  const wire = new Uint8Array(out.buffer.buffer, out.buffer.byteOffset, out.buffer.byteLength)
  return { wire, body: wire.subarray(bodyStart, bodyEnd) }
}
