/**
 * Sealing and opening signed envelopes. The signature covers a domain string
 * naming the app and the kind of body, then the body bytes, so a frame signed
 * for one app or one purpose is never valid for another.
 */
import { Envelope } from './roomsub.js'
import type { Author, AuthorCache, Signer } from './keys.js'

export type EnvelopeKind = 'frame' | 'creation' | 'refresh' | 'token'

/** What a signature covers before the body: the app and the purpose, so no signature is valid elsewhere. */
export function signingDomain (appID: number, kind: EnvelopeKind): Uint8Array {
  return new TextEncoder().encode(`roomsub/1/${appID}/${kind}\n`)
}

/** Largest envelope roomsub accepts: a 32 KB text plus headers, with room to spare. */
export const MAX_ENVELOPE_BYTES = 48 * 1024

export interface Opened<T> {
  body: T
  bodyBytes: Uint8Array
  author: Author
}

export interface BodyCodec<T> {
  decode(bytes: Uint8Array): T
}

export class EnvelopeCodec {
  private readonly domains: Record<EnvelopeKind, Uint8Array>
  private readonly signer: Signer | undefined
  private readonly authors: AuthorCache
  readonly appID: number

  /** Without a signer the codec only opens envelopes (a DHT validator needs no key). */
  constructor (appID: number, authors: AuthorCache, signer?: Signer) {
    this.appID = appID
    this.domains = { frame: signingDomain(appID, 'frame'), creation: signingDomain(appID, 'creation'), refresh: signingDomain(appID, 'refresh'), token: signingDomain(appID, 'token') }
    this.signer = signer
    this.authors = authors
  }

  get self (): Signer {
    if (this.signer == null) {
      throw new Error('this envelope codec cannot sign')
    }
    return this.signer
  }

  private signedBytes (kind: EnvelopeKind, body: Uint8Array): Uint8Array {
    const domain = this.domains[kind]
    const out = new Uint8Array(domain.byteLength + body.byteLength)
    out.set(domain, 0)
    out.set(body, domain.byteLength)
    return out
  }

  async sign (kind: EnvelopeKind, body: Uint8Array): Promise<Envelope> {
    const signature = await this.self.sign(this.signedBytes(kind, body))
    return { body: body as Uint8Array<ArrayBuffer>, signature: signature as Uint8Array<ArrayBuffer> }
  }

  async seal (kind: EnvelopeKind, body: Uint8Array): Promise<Uint8Array> {
    return Envelope.encode(await this.sign(kind, body))
  }

  /**
   * Decodes, checks the signature against the key of the peer that `authorOf`
   * names in the body, and returns the body. Throws on anything malformed or
   * forged; the caller counts and rejects.
   */
  async open<T> (kind: EnvelopeKind, bytes: Uint8Array, codec: BodyCodec<T>, authorOf: (body: T) => Uint8Array): Promise<Opened<T>> {
    return this.openEnvelope(kind, this.decodeEnvelope(bytes), codec, authorOf)
  }

  async openEnvelope<T> (kind: EnvelopeKind, envelope: Envelope, codec: BodyCodec<T>, authorOf: (body: T) => Uint8Array): Promise<Opened<T>> {
    const unverified = this.readEnvelope(kind, envelope, codec, authorOf)
    if (!(await unverified.verify())) {
      throw new Error('bad signature')
    }
    return unverified
  }

  /**
   * Decodes without checking the signature yet: for bytes whose author is
   * already known some other way (they came over a connection authenticated
   * as the author), so the check can wait. `verify` checks it. Throws on
   * anything malformed, or an author that is not a peer id with a key.
   */
  openLater<T> (kind: EnvelopeKind, bytes: Uint8Array, codec: BodyCodec<T>, authorOf: (body: T) => Uint8Array): Opened<T> & { verify(): boolean | Promise<boolean> } {
    return this.readEnvelope(kind, this.decodeEnvelope(bytes), codec, authorOf)
  }

  /**
   * Decodes a body that came with no signature and names its author: for a
   * chat message its author sent on its direct link, whose signature follows.
   * Throws on anything malformed, or an author that is not a peer id with a key.
   */
  readUnsigned<T> (bytes: Uint8Array, codec: BodyCodec<T>, authorOf: (body: T) => Uint8Array): { body: T, author: Author } {
    if (bytes.byteLength > MAX_ENVELOPE_BYTES) {
      throw new Error('body too large')
    }
    const body = codec.decode(bytes)
    const author = this.authors.resolve(authorOf(body))
    if (author == null) {
      throw new Error('author is not a peer id with an inline key')
    }
    return { body, author }
  }

  private decodeEnvelope (bytes: Uint8Array): Envelope {
    if (bytes.byteLength > MAX_ENVELOPE_BYTES) {
      throw new Error('envelope too large')
    }
    return Envelope.decode(bytes)
  }

  private readEnvelope<T> (kind: EnvelopeKind, envelope: Envelope, codec: BodyCodec<T>, authorOf: (body: T) => Uint8Array): Opened<T> & { verify(): boolean | Promise<boolean> } {
    const { body, author } = this.readUnsigned(envelope.body, codec, authorOf)
    return { body, bodyBytes: envelope.body, author, verify: () => author.verify(this.signedBytes(kind, envelope.body), envelope.signature) }
  }
}
