/**
 * Copies of bytes that outlive the frame they came in. Decoded fields and
 * gossipsub message data are often Node Buffers that view a larger network
 * buffer, and `Buffer#slice` returns another view, not a copy: keeping one
 * would keep the whole buffer alive.
 */
export function copyBytes (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes)
}
