/**
 * Bounded property-based fuzzing for CI: the targets and arbitraries of
 * test/fuzz-targets.ts (shared with the long run, scripts/fuzz.ts), a few
 * thousand cases in all. Each run draws a new seed (FUZZ_SEED=<n> replays
 * one); on failure fast-check's report names the seed, the path and the
 * shrunk counterexample.
 */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { FUZZ_TARGETS, Tally, buildWorld, varint } from './fuzz-targets.js'
import { encodeMessage } from '../src/wire/encode.js'
import { Announcement, Frame } from '../src/wire/roomsub.js'
import type { FuzzWorld } from './fuzz-targets.js'

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
})
