/**
 * Signing and verifying with a peer's key. Ed25519 (libp2p's default) goes
 * through node:crypto, which is several times faster than the pure-JS path;
 * any other key type falls back to @libp2p/crypto. Author keys are cached by
 * the peer id bytes that frames carry, so a verify costs one map lookup plus
 * the signature check.
 */
import { copyBytes } from './bytes.js'
import { createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import type { KeyObject } from 'node:crypto'
import type { PeerId, PrivateKey, PublicKey } from '@libp2p/interface'

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

/**
 * Longer than any peer id with an inline key (an identity multihash of a
 * protobuf Ed25519 key is 38 bytes, secp256k1 39). Longer bytes are refused
 * before any work: the key protobuf takes padding in unknown fields, and the
 * peer id's base58 string costs time quadratic in its length (8 s for the
 * 47 KB that fit in a frame; a DHT record has no such cap), all before a
 * signature is checked.
 */
const MAX_PEER_ID_BYTES = 64

export interface Signer {
  readonly peerId: PeerId
  /** the author's peer id as multihash bytes, as frames carry it */
  readonly peerIdBytes: Uint8Array
  sign(data: Uint8Array): Uint8Array | Promise<Uint8Array>
}

export interface Author {
  readonly peerId: PeerId
  readonly peerIdString: string
  verify(data: Uint8Array, signature: Uint8Array): boolean | Promise<boolean>
}

/** A node:crypto key from a raw 32-byte Ed25519 seed (libp2p's raw private key starts with it). */
export function ed25519PrivateKey (seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed.subarray(0, 32)]), format: 'der', type: 'pkcs8' })
}

/** A node:crypto key from a raw 32-byte Ed25519 public key. */
export function ed25519PublicKey (raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' })
}

export function createSigner (peerId: PeerId, privateKey: PrivateKey): Signer {
  const peerIdBytes = peerId.toMultihash().bytes
  if (privateKey.type === 'Ed25519') {
    const key = ed25519PrivateKey(privateKey.raw)
    return { peerId, peerIdBytes, sign: (data) => cryptoSign(null, data, key) }
  }
  return { peerId, peerIdBytes, sign: async (data) => privateKey.sign(data) }
}

function verifierFor (publicKey: PublicKey): Author['verify'] {
  if (publicKey.type === 'Ed25519') {
    const key = ed25519PublicKey(publicKey.raw)
    return (data, signature) => signature.byteLength === 64 && cryptoVerify(null, data, key, signature)
  }
  return (data, signature) => publicKey.verify(data, signature)
}

/**
 * Resolves the peer id bytes of a frame's author to a verifier. Only peer ids
 * that embed their public key (Ed25519, secp256k1) can author frames: an RSA
 * id does not carry its key, so such frames are refused.
 */
export class AuthorCache {
  private readonly authors = new Map<string, Author>()
  private readonly maxSize: number

  constructor (maxSize = 4096) {
    this.maxSize = maxSize
  }

  /** undefined when the bytes are not a peer id with an inline public key */
  resolve (peerIdBytes: Uint8Array): Author | undefined {
    if (peerIdBytes.byteLength > MAX_PEER_ID_BYTES) {
      return undefined
    }
    const cacheKey = Buffer.from(peerIdBytes.buffer, peerIdBytes.byteOffset, peerIdBytes.byteLength).toString('base64')
    let author = this.authors.get(cacheKey)
    if (author != null) {
      return author
    }
    let peerId: PeerId
    try {
      // a copy: the bytes are a view into a network message, which a cached author must not keep alive
      peerId = peerIdFromMultihash(Digest.decode(copyBytes(peerIdBytes)))
    } catch {
      return undefined
    }
    if (peerId.publicKey == null) {
      return undefined
    }
    author = { peerId, peerIdString: peerId.toString(), verify: verifierFor(peerId.publicKey) }
    if (this.authors.size >= this.maxSize) {
      const oldest = this.authors.keys().next().value
      if (oldest != null) {
        this.authors.delete(oldest)
      }
    }
    this.authors.set(cacheKey, author)
    return author
  }
}
