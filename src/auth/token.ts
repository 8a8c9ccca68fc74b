/**
 * App credentials, roomsub's stand-in for ZIM's login token. An app that
 * wants to decide who may speak runs an authority: an Ed25519 key pair whose
 * public half every peer is configured with. The authority signs a token
 * binding (appID, userID, peer id, expiry); a peer presents it at login and
 * in every announcement, and members refuse announcements (hence membership,
 * hence messages) from peers without a valid one. Keys and tokens travel as
 * base64url strings.
 */
import { generateKeyPairSync, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto'
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { encodeMessage } from '../wire/encode.js'
import { signingDomain } from '../wire/envelope.js'
import { ed25519PrivateKey, ed25519PublicKey } from '../wire/keys.js'
import { AuthToken, Envelope } from '../wire/roomsub.js'
import { ZIMErrorCode, zimError } from '../zim/errors.js'
import type { KeyObject } from 'node:crypto'

/** What a token vouches for. */
export interface TokenClaims {
  appID: number
  userID: string
  /** the peer id (string form) of the node that will log in with it */
  peerId: string
  /** ms since the epoch */
  expiresAt: number
}

export interface AuthorityKeys {
  /** give this to every peer: `ZIM.create({ appID, authority: publicKey })` */
  publicKey: string
  /** keep this on the app's server (or wherever tokens are issued) */
  privateKey: string
}

/** Tokens whose verification is remembered; past it the oldest is forgotten. */
const MAX_CACHED_TOKENS = 4096
/** A token is at most this large on the wire (claims plus a signature). */
const MAX_TOKEN_BYTES = 512

function toBase64url (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

function fromBase64url (text: string, what: string, expectedBytes?: number): Uint8Array {
  const bytes = typeof text === 'string' && /^[A-Za-z0-9_-]*$/.test(text) ? Buffer.from(text, 'base64url') : undefined
  if (bytes == null || bytes.byteLength === 0 || (expectedBytes != null && bytes.byteLength !== expectedBytes)) {
    throw zimError(ZIMErrorCode.CommonModuleParamsInvalid, `${what} must be a base64url string${expectedBytes != null ? ` of ${expectedBytes} bytes` : ''}`)
  }
  return bytes
}

/** A new authority key pair. */
export function createAuthority (): AuthorityKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const jwk = privateKey.export({ format: 'jwk' })
  return { publicKey: publicKey.export({ format: 'jwk' }).x as string, privateKey: jwk.d as string }
}

/** Signs a token for `claims` with the authority's private key. */
export function issueToken (authorityPrivateKey: string, claims: TokenClaims): string {
  if (claims == null || !Number.isSafeInteger(claims.appID) || claims.appID <= 0 || typeof claims.userID !== 'string' ||
    typeof claims.peerId !== 'string' || !Number.isSafeInteger(claims.expiresAt) || claims.expiresAt < 0) {
    throw zimError(ZIMErrorCode.CommonModuleParamsInvalid, 'claims need appID, userID, peerId and expiresAt (ms)')
  }
  let peerIdBytes: Uint8Array
  try {
    peerIdBytes = peerIdFromString(claims.peerId).toMultihash().bytes
  } catch {
    throw zimError(ZIMErrorCode.CommonModuleParamsInvalid, `${claims.peerId} is not a peer id`)
  }
  const key = ed25519PrivateKey(fromBase64url(authorityPrivateKey, 'the authority private key', 32))
  const body = encodeMessage(AuthToken.codec(), { appID: claims.appID, userID: claims.userID, peerId: peerIdBytes as Uint8Array<ArrayBuffer>, expiresAt: BigInt(claims.expiresAt) })
  const signature = cryptoSign(null, Buffer.concat([signingDomain(claims.appID, 'token'), body]), key)
  return toBase64url(Envelope.encode({ body, signature }))
}

interface Verified { userID: string, peerId: string, expiresAt: number }

/**
 * Checks tokens against one app's authority. Verifications are cached by
 * the token's bytes, so a member's heartbeats cost a map lookup, not a
 * signature check.
 */
export class TokenVerifier {
  private readonly appID: number
  private readonly key: KeyObject
  private readonly domain: Uint8Array
  private readonly cache = new Map<string, Verified | null>()

  constructor (appID: number, authorityPublicKey: string) {
    this.appID = appID
    this.key = ed25519PublicKey(fromBase64url(authorityPublicKey, 'authority', 32))
    this.domain = signingDomain(appID, 'token')
  }

  /** The claims of a well-formed token with a good signature for this app; undefined for anything else. */
  private open (bytes: Uint8Array): Verified | undefined {
    if (bytes.byteLength === 0 || bytes.byteLength > MAX_TOKEN_BYTES) return undefined
    const cacheKey = toBase64url(bytes)
    const cached = this.cache.get(cacheKey)
    if (cached !== undefined) return cached ?? undefined
    let verified: Verified | null = null
    try {
      const envelope = Envelope.decode(bytes)
      const body = AuthToken.decode(envelope.body)
      if (body.appID === this.appID && envelope.signature.byteLength === 64 &&
        cryptoVerify(null, Buffer.concat([this.domain, envelope.body]), this.key, envelope.signature)) {
        verified = { userID: body.userID, peerId: peerIdFromMultihash(Digest.decode(body.peerId)).toString(), expiresAt: Number(body.expiresAt) }
      }
    } catch {}
    if (this.cache.size >= MAX_CACHED_TOKENS) {
      const oldest = this.cache.keys().next().value
      if (oldest != null) this.cache.delete(oldest)
    }
    this.cache.set(cacheKey, verified)
    return verified ?? undefined
  }

  /** At login: the token must be this app's, for this user and this peer, and not expired. */
  checkLogin (token: unknown, userID: string, peerId: string, now = Date.now()): Uint8Array {
    if (typeof token !== 'string' || token === '') {
      throw zimError(ZIMErrorCode.NetworkModuleTokenInvalid, 'this app has an authority: login needs a token from it')
    }
    let bytes: Uint8Array
    try {
      bytes = fromBase64url(token, 'token')
    } catch {
      throw zimError(ZIMErrorCode.NetworkModuleTokenInvalid, 'the token is not base64url')
    }
    const claims = this.open(bytes)
    if (claims == null) {
      throw zimError(ZIMErrorCode.NetworkModuleTokenInvalid, 'the token is malformed, for another app, or not signed by the authority')
    }
    if (claims.userID !== userID || claims.peerId !== peerId) {
      throw zimError(ZIMErrorCode.NetworkModuleTokenInvalid, `the token is for ${claims.userID} on ${claims.peerId}, not ${userID} on ${peerId}`)
    }
    if (claims.expiresAt <= now) {
      throw zimError(ZIMErrorCode.NetworkModuleTokenExpired, `the token expired at ${new Date(claims.expiresAt).toISOString()}`)
    }
    return bytes
  }

  /**
   * For an announcement from the network: does the token let `author` speak
   * as `userID` now? With `expiredToo`, a token past its expiry still counts
   * (a peer's LEAVE when its token ran out only removes itself).
   */
  allows (token: Uint8Array, userID: string, author: string, now = Date.now(), expiredToo = false): boolean {
    const claims = this.open(token)
    return claims != null && claims.userID === userID && claims.peerId === author && (expiredToo || claims.expiresAt > now)
  }

  /** When `token`'s permission ends (0 for a token that grants nothing). */
  expiryOf (token: Uint8Array): number {
    return this.open(token)?.expiresAt ?? 0
  }
}
