/**
 * The gate every room frame passes, once per node: decode the envelope,
 * check the signature against the author's key, check the frame's shape and
 * room, then let the room's state decide. Whatever is refused is counted by
 * reason (frameStats) and never throws: a bad frame costs its sender, not us.
 */
import { Frame } from '../wire/roomsub.js'
import type { Room, Verdict } from './room.js'
import type { EnvelopeCodec, Opened } from '../wire/envelope.js'
import type { ChatMessage } from '../wire/roomsub.js'

/** Counts of what the validator refused or dropped, by reason; a roomsub extension to ZIM. */
export type FrameStats = Record<string, number>

/** At most this many listen addresses are taken from an announcement. */
export const MAX_ANNOUNCED_ADDRS = 8

const FRAME_CODEC = {
  decode: (bytes: Uint8Array): Frame => Frame.decode(bytes, { limits: { announcement: { addrs: MAX_ANNOUNCED_ADDRS } } })
}

export class FrameGate {
  private readonly codec: EnvelopeCodec
  readonly stats: FrameStats = {}

  constructor (codec: EnvelopeCodec) {
    this.codec = codec
  }

  count (reason: string): void {
    this.stats[reason] = (this.stats[reason] ?? 0) + 1
  }

  /** Decodes and verifies a frame; throws on anything malformed or forged. */
  async open (bytes: Uint8Array): Promise<Opened<Frame>> {
    return this.codec.open<Frame>('frame', bytes, FRAME_CODEC, f => f.from)
  }

  /** A frame published on `room`'s topic: accepted frames have changed the room's state. */
  async admit (room: Room, bytes: Uint8Array, now = Date.now()): Promise<Verdict> {
    let opened: Opened<Frame>
    try {
      opened = await this.open(bytes)
    } catch {
      this.count('malformed-or-forged')
      return 'reject'
    }
    const frame = opened.body
    const hasAnnouncement = frame.announcement != null
    if (frame.roomID !== room.roomID || hasAnnouncement === (frame.message != null)) {
      this.count('wrong-room-or-shape')
      return 'reject'
    }
    const author = opened.author.peerIdString
    const verdict: Verdict = frame.announcement != null
      ? room.applyAnnouncement(author, frame, frame.announcement, bytes, true, now)
      : room.applyMessage(author, frame, frame.message as ChatMessage, now)
    if (verdict !== 'accept') {
      this.count(`${hasAnnouncement ? 'announcement' : 'message'}-${verdict === 'reject' ? 'rejected' : 'ignored'}`)
    }
    return verdict
  }
}
