/** Byte-level helpers for what goes on the wire: copies that own their bytes, and UTF-8 lengths. */

/**
 * Copies of bytes that outlive the frame they came in. Decoded fields and
 * gossipsub message data are often Node Buffers that view a larger network
 * buffer, and `Buffer#slice` returns another view, not a copy: keeping one
 * would keep the whole buffer alive.
 */
export function copyBytes (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes)
}

/** strings of fewer UTF-16 units are measured here, in JavaScript; a call into Buffer costs more, cold */
export const SHORT_STRING = 128

/**
 * UTF-8 bytes of `s`, a lone surrogate counted as U+FFFD's three (as
 * Buffer and TextEncoder write it). On a message's path this runs cold, at
 * a chat's pace: there Buffer.byteLength cost 10 µs, a loop over a short string 2.
 */
export function utf8Length (s: string): number {
  if (s.length >= SHORT_STRING) return Buffer.byteLength(s)
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4
      i++
    } else n += 3
  }
  return n
}
