/**
 * Bounded property-based fuzzing for CI: the targets and arbitraries of
 * test/fuzz-targets.ts (shared with the long run, scripts/fuzz.ts), a few
 * thousand cases in all. Each run draws a new seed (FUZZ_SEED=<n> replays
 * one); on failure fast-check's report names the seed, the path and the
 * shrunk counterexample.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { before, describe, it } from 'node:test'
import fc from 'fast-check'
import { FUZZ_TARGETS, Tally, buildWorld, varint } from './fuzz-targets.js'
import { encodeMessage } from '../src/wire/encode.js'
import { encodeLinkedMessage } from '../src/wire/link-message.js'
import { Uint8ArrayList } from 'uint8arraylist'
import { encodeDirectFrame, nextDirectFrame } from '../src/rooms/direct-links.js'
import { messageIDOf } from '../src/rooms/room.js'
import { utf8Length } from '../src/wire/bytes.js'
import { Announcement, DirectFrame, Frame } from '../src/wire/roomsub.js'
import type { FuzzWorld } from './fuzz-targets.js'
import type { ChatMessage, Seal } from '../src/wire/roomsub.js'

const SEED = process.env.FUZZ_SEED != null ? Number(process.env.FUZZ_SEED) : (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0

describe('malformed input, fuzzed', () => {
  let world: FuzzWorld
  before(async () => { world = await buildWorld() })

  async function fuzz (name: string, numRuns: number): Promise<void> {
    const target = FUZZ_TARGETS.find(t => t.name === name)
    assert.ok(target != null, `no fuzz target ${name}`)
    const result = await target.check(world, new Tally(), { numRuns, seed: SEED })
    assert.ok(!result.failed, result.report)
    assert.equal(result.numRuns, numRuns)
  }

  it('a random, mutated or hostile frame is refused and counted, never thrown, and honest members stay bound to their keys', async () => {
    await fuzz('frame gate', 2000)
  })

  it('every protons decoder returns or throws an Error on any bytes, and what it returns re-encodes to the same value', async () => {
    await fuzz('protons decoders', 2000)
  })

  it('the registry validator rejects bad records with an Error and the selector picks a record in range', async () => {
    await fuzz('registry rules', 600)
  })

  // found by the decoder target: protons-runtime wrote a uint64 in [2^31, 2^32) as its low byte plus four bytes of heap
  it('a session or creation time another peer chose goes back out in our frames exactly, whatever its value', () => {
    for (const v of [0n, 5n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 31n + 5n, 3_000_000_000n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 64n - 1n]) {
      const frame: Frame = {
        from: new Uint8Array([1, 2, 3]),
        roomID: 'r',
        session: v,
        announcement: {
          kind: Announcement.Kind.GONE, seq: v, userID: 'me', userName: '', msgSeq: v, timestamp: v, addrs: [], roomName: '', destroyDelay: 0,
          generation: { creator: new Uint8Array([9]), createdAt: v }, goneUserID: 'them', goneSession: v, token: new Uint8Array(0), attributesDigest: new Uint8Array(0)
        }
      }
      const bytes = encodeMessage(Frame.codec(), frame)
      assert.deepEqual(Frame.decode(bytes), frame, `value ${v}`)
      // the varint is canonical: 0x18 (session, field 3) then exactly the minimal encoding
      const session = Buffer.from([0x18, ...varint(v)])
      assert.ok(v === 0n || Buffer.from(bytes).includes(session), `session ${v} is written as a minimal varint`)
    }
  })

  // the hot path writes a chat message's link frame by hand (src/wire/link-message.ts): it must be protons' bytes
  it('a chat message written by hand for the links is byte for byte what protons writes, and decodes back', () => {
    const uint64 = fc.oneof(
      fc.constantFrom(0n, 1n, 127n, 128n, 2n ** 31n - 1n, 2n ** 31n, 3_000_000_000n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })
    )
    const uint32 = fc.oneof(fc.constantFrom(0, 1, 127, 128, 200, 2 ** 31, 2 ** 32 - 1), fc.nat())
    // valid UTF-16 (any code point, surrogate pairs whole), short strings and long ones (Buffer writes those)
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'binary', minLength: 120, maxLength: 400 }), fc.string({ maxLength: 3000 }))
    const bytes = (max: number): fc.Arbitrary<Uint8Array<ArrayBuffer>> => fc.uint8Array({ maxLength: max }).map(b => new Uint8Array(b))
    const message: fc.Arbitrary<ChatMessage> = fc.record({
      seq: uint64, timestamp: uint64, orderKey: uint64, type: uint32, userID: text, text, data: bytes(300), subType: uint32, searchedContent: text, extendedData: text, priority: uint32
    })
    const seal: fc.Arbitrary<Seal> = fc.record({ session: uint64, seq: uint64, signature: bytes(80) })
    fc.assert(fc.property(bytes(60), text, uint64, message, fc.array(seal, { maxLength: 4 }), (from, roomID, session, msg, seals) => {
      const frame = { from, roomID, session, message: msg }
      const expected = encodeMessage(Frame.codec(), { ...frame, direct: { unreached: [] } })
      const { wire, body } = encodeLinkedMessage(frame, seals)
      assert.deepEqual(Buffer.from(body), Buffer.from(expected))
      assert.deepEqual(Buffer.from(wire), Buffer.from(encodeDirectFrame(roomID, { body: expected, seals })))
      assert.deepEqual(Frame.decode(body), { ...frame, message: { ...msg }, direct: { unreached: [] } })
      const decoded = DirectFrame.decode(nextDirectFrame(new Uint8ArrayList(wire)) ?? new Uint8Array(0))
      const plain = (s: Seal): unknown => ({ session: s.session, seq: s.seq, signature: [...s.signature] })
      assert.deepEqual(decoded.seals.map(plain), seals.map(plain))
      assert.equal(decoded.roomID, roomID)
    }), { numRuns: 1000, seed: SEED })
  })

  it('a message id is the first 8 bytes of sha256(author, "session:seq"), as a decimal uint64', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 60 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (from, session, seq) => {
      const expected = createHash('sha256').update(from).update(`${session}:${seq}`).digest().readBigUInt64BE(0).toString()
      assert.equal(messageIDOf(from, session, seq), expected)
    }), { numRuns: 500, seed: SEED })
  })

  it('UTF-8 lengths counted in JavaScript are Buffer\'s, lone surrogates included: ZIM\'s byte limits hold either way', () => {
    const unit = fc.oneof(fc.integer({ min: 0, max: 0xffff }).map(c => String.fromCharCode(c)), fc.constantFrom('\ud83d', '\ude00', '\ud83d\ude00', 'é', '中'))
    fc.assert(fc.property(fc.oneof(fc.string({ unit, maxLength: 40 }), fc.string({ unit, minLength: 100, maxLength: 300 })), s => {
      assert.equal(utf8Length(s), Buffer.byteLength(s), JSON.stringify(s))
    }), { numRuns: 2000, seed: SEED })
  })
})
