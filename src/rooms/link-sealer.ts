/**
 * Signatures that follow chat messages sent bare on direct links. A message
 * goes out on the links unsigned, so no member waits on Ed25519 before it
 * delivers (the link's Noise session tells each receiver who wrote it). It is
 * signed in the next turn of the event loop: our kept copy becomes the signed
 * envelope, and its Seal is owed to every member that got the body. Owed
 * Seals ride on the room's next message on the links, or go alone after
 * SEAL_DELAY_MS if none comes, and before we leave the room. Until its Seal
 * comes a member delivers the message but hands it to nobody.
 */
import { logger } from '@libp2p/logger'
import { MAX_SEALS_PER_FRAME, encodeDirectFrame } from './direct-links.js'
import { messageIDOfFrame } from './room.js'
import type { DirectLinks } from './direct-links.js'
import type { Room } from './room.js'
import type { EnvelopeCodec } from '../wire/envelope.js'
import type { ChatMessage, Frame, Seal } from '../wire/roomsub.js'

const log = logger('roomsub:seals')

/** how long owed Seals wait for a message to ride on before they go alone */
export const SEAL_DELAY_MS = 1000

/** A chat message we sent bare on the direct links to `peers`. */
export interface BareMessage {
  room: Room
  frame: Frame & { message: ChatMessage }
  body: Uint8Array
  peers: string[]
}

/** The Seals one room owes, and the peers they go to. */
interface Owed {
  seals: Seal[]
  peers: Set<string>
  timer?: ReturnType<typeof setTimeout>
}

export interface LinkSealerInit {
  codec: EnvelopeCodec
  links: DirectLinks
}

export class LinkSealer {
  private readonly init: LinkSealerInit
  /** sent bare, not signed yet, in the order sent */
  private unsigned: BareMessage[] = []
  private signing: ReturnType<typeof setImmediate> | undefined
  private readonly owed = new Map<Room, Owed>()
  private stopped = false

  constructor (init: LinkSealerInit) {
    this.init = init
  }

  /** `message` went out bare: it is signed once what the event loop has waiting ran, with any sent meanwhile. */
  sent (message: BareMessage): void {
    if (this.stopped) return
    this.unsigned.push(message)
    this.signing ??= setImmediate(() => {
      this.signing = undefined
      this.signAll().catch(err => { log.error('signing sent messages failed: %e', err) })
    })
  }

  /** `message` is signed already (it also went on the topic): its Seal is owed to the links that took the body. */
  signed (message: BareMessage, signature: Uint8Array): void {
    if (this.stopped) return
    message.room.sealMessage(messageIDOfFrame(message.frame, message.frame.message), signature, true)
    const seal: Seal = { session: message.frame.session, seq: message.frame.message.seq, signature: signature as Uint8Array<ArrayBuffer> }
    let owed = this.owed.get(message.room)
    if (owed == null) {
      owed = { seals: [], peers: new Set() }
      this.owed.set(message.room, owed)
    }
    owed.seals.push(seal)
    for (const peer of message.peers) owed.peers.add(peer)
    if (owed.seals.length >= MAX_SEALS_PER_FRAME) {
      this.send(message.room)
      return
    }
    owed.timer ??= setTimeout(() => { this.send(message.room) }, SEAL_DELAY_MS)
  }

  /**
   * The Seals `room` owes, to ride on its next message, which goes to
   * `peers`: owed to others too, they go to those alone now.
   */
  take (room: Room, peers: string[]): Seal[] {
    const owed = this.owed.get(room)
    if (owed == null) return []
    for (const peer of peers) owed.peers.delete(peer)
    if (owed.peers.size > 0) this.send(room)
    else this.forget(room)
    return owed.seals
  }

  /** Signs what `room` has unsigned and sends every Seal it owes now: we are leaving it. */
  async flush (room: Room): Promise<void> {
    const mine = this.unsigned.filter(m => m.room === room)
    this.unsigned = this.unsigned.filter(m => m.room !== room)
    await this.sign(mine)
    this.send(room)
  }

  stop (): void {
    this.stopped = true
    if (this.signing != null) clearImmediate(this.signing)
    this.signing = undefined
    this.unsigned = []
    for (const room of [...this.owed.keys()]) this.forget(room)
  }

  private async signAll (): Promise<void> {
    const batch = this.unsigned
    this.unsigned = []
    await this.sign(batch)
  }

  private async sign (batch: BareMessage[]): Promise<void> {
    for (const message of batch) {
      const { signature } = await this.init.codec.sign('frame', message.body)
      this.signed(message, signature)
    }
  }

  /** Sends `room`'s owed Seals to each peer owed them, alone. */
  private send (room: Room): void {
    const owed = this.owed.get(room)
    if (owed == null) return
    this.forget(room)
    for (let i = 0; i < owed.seals.length; i += MAX_SEALS_PER_FRAME) {
      const wire = encodeDirectFrame(room.roomID, { seals: owed.seals.slice(i, i + MAX_SEALS_PER_FRAME) })
      // a link that broke since loses them: that member keeps the message but cannot hand it on
      for (const peer of owed.peers) this.init.links.send(peer, wire)
    }
  }

  private forget (room: Room): void {
    const owed = this.owed.get(room)
    if (owed?.timer != null) clearTimeout(owed.timer)
    this.owed.delete(room)
  }
}
