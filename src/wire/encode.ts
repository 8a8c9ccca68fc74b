/**
 * Encoding roomsub messages around a protons-runtime bug (7.1.2, still in
 * 8.0.1): its writer keeps the low word of a uint64 signed, so a value in
 * [2^31, 2^32) is written as its low byte while five bytes were counted, and
 * the four left over are uninitialised pool memory. roomsub re-encodes
 * values other peers chose (a member's session in a GONE, the creator's
 * createdAt in every announcement), so a peer could corrupt our frames and
 * read bytes of our heap. This encoder writes such values through the
 * writer's number path, which is exact below 2^53; all others as before.
 */
import { writer } from 'protons-runtime'
import type { Codec } from 'protons-runtime'

const TWO_31 = 2n ** 31n
const TWO_32 = 2n ** 32n

/** Like protons' `encodeMessage` (what `Frame.encode` and the like call), with uint64 written correctly. */
export function encodeMessage<T> (codec: Codec<T>, message: Partial<T>): Uint8Array<ArrayBuffer> {
  const w = writer()
  const uint64 = w.uint64.bind(w)
  // an own property of this writer only: nested messages share it, no other protons user is touched
  w.uint64 = (value: bigint) => {
    const v = BigInt.asUintN(64, value)
    return v >= TWO_31 && v < TWO_32 ? w.uint64Number(Number(v)) : uint64(v)
  }
  codec.encode(message, w, { lengthDelimited: false })
  return w.finish()
}
