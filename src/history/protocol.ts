/**
 * The history protocol (`/roomsub/<appID>/history/1.0.0`): a member asks a
 * few room peers it is connected to for one page of the messages they keep,
 * and answers such asks from members of its rooms. Messages travel as their
 * original signed envelopes, so nobody has to trust the peer that hands them
 * over: each one is verified like a live frame before it is believed, and
 * whatever fails is counted (frameStats), never thrown. Everything is bounded:
 * page size, answer bytes, peers asked, streams, time.
 */
import { logger } from '@libp2p/logger'
import { pbStream } from '@libp2p/utils'
import { MAX_ENVELOPE_BYTES } from '../wire/envelope.js'
import { encodeMessage } from '../wire/encode.js'
import { HistoryRequest, HistoryResponse } from '../wire/roomsub.js'
import { historyProtocol } from '../rooms/topics.js'
import { MAX_ORDER_KEY_SKEW_MS, messageIDOf } from '../rooms/room.js'
import { ZIMMessageType } from '../zim/defines.js'
import { MAX_HISTORY_PAGE, compareKeys, orderKeyTime, selectPage } from './store.js'
import { copyBytes } from '../wire/bytes.js'
import type { HistoryPage, KeptMessage } from './store.js'
import type { FrameGate } from '../rooms/frame-gate.js'
import type { Room } from '../rooms/room.js'
import type { RoomsubNode } from '../node/create-node.js'
import type { ChatMessage, Frame } from '../wire/roomsub.js'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

const log = logger('roomsub:history')

/** Deadline of one ask, and of serving one, each side. */
export const HISTORY_TIMEOUT_MS = 2000
/** Connected members asked at once for a page. */
export const HISTORY_PEERS = 3
/** Bytes of envelopes one answer carries at most (a page of 100 full-size messages would be 4.8 MiB). */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024
/** History streams served at once per connection. */
const MAX_INBOUND_STREAMS = 32
/** Room for the answer's own framing around its envelopes (3 bytes of tag and length each, at most). */
const ANSWER_OVERHEAD = MAX_HISTORY_PAGE * 4 + 16

/** A message from history, verified: its envelope, and what it says. */
export interface HistoryMessage extends KeptMessage {
  /** as it came in an answer: always signed */
  envelope: Uint8Array
  /** the author's peer id, whose key signed it */
  author: string
  frame: Frame
  message: ChatMessage
}

export interface HistoryHost {
  node: RoomsubNode
  appID: number
  /** opens envelopes (signature against the author's key) and counts refusals */
  gate: FrameGate
  /** our own peer id and userID: our current binding in every room */
  selfId: string
  localUserID: string
  /** the room with this ID, if we are in it (connected) */
  room(roomID: string): Room | undefined
  /** aborted at stop: every ask in flight ends */
  signal: AbortSignal
}

/** Reads one length-prefixed message as raw bytes, so a bad answer is told apart from a lost stream. */
const RAW = { decode: (data: Uint8Array | { subarray(): Uint8Array }): Uint8Array => data instanceof Uint8Array ? data : data.subarray() }
const REQUEST = { encode: (request: HistoryRequest): Uint8Array => encodeMessage(HistoryRequest.codec(), request) }
const REQUEST_DECODER = { decode: (data: Uint8Array | Uint8ArrayList): HistoryRequest => HistoryRequest.decode(data, { limits: { messageIDs: MAX_HISTORY_PAGE } }) }
/** A request's bytes at most: a roomID and 100 message IDs (decimal uint64s, 20 digits) with their framing. */
const MAX_REQUEST_BYTES = 4096

export class HistoryProtocol {
  private readonly host: HistoryHost
  private readonly protocol: string

  constructor (host: HistoryHost) {
    this.host = host
    this.protocol = historyProtocol(host.appID)
  }

  async start (): Promise<void> {
    await this.host.node.handle(this.protocol, this.onStream, { maxInboundStreams: MAX_INBOUND_STREAMS })
  }

  async stop (): Promise<void> {
    await this.host.node.unhandle(this.protocol).catch(() => {})
  }

  /**
   * Asks up to three connected members of `room` for `page`, in parallel,
   * each within the deadline. Returns every verified message they sent (not
   * deduplicated, possibly more than a page); a silent or lying peer adds nothing.
   */
  async fetch (room: Room, page: HistoryPage): Promise<HistoryMessage[]> {
    const request: HistoryRequest = {
      roomID: room.roomID,
      anchorOrderKey: BigInt(page.anchor?.orderKey ?? 0),
      anchorMessageID: page.anchor?.messageID ?? '',
      older: page.older,
      count: Math.min(page.count, MAX_HISTORY_PAGE),
      messageIDs: []
    }
    const answers = await Promise.all(this.connectedMembers(room).slice(0, HISTORY_PEERS).map(async peer => this.ask(peer, room, request)))
    // what lies outside the asked page is not refused (it verified), only left out
    return answers.flatMap(verified => verified == null ? [] : selectPage(verified.sort(compareKeys), page))
  }

  /**
   * Recovery: asks `author` and two other connected members of `room` for
   * the messages with these IDs (at most 100), live copies that never came.
   * Returns every verified message they sent that is one of those, possibly
   * twice (the room's ordering delivers each once), and whether the author
   * answered at all.
   */
  async recover (room: Room, author: PeerId, messageIDs: string[]): Promise<{ messages: HistoryMessage[], authorAnswered: boolean }> {
    const wanted = new Set(messageIDs.slice(0, MAX_HISTORY_PAGE))
    const request: HistoryRequest = { roomID: room.roomID, anchorOrderKey: 0n, anchorMessageID: '', older: false, count: wanted.size, messageIDs: [...wanted] }
    // the author keeps what it sent; other members cover an author too busy (or too far) to answer in time
    const others = this.connectedMembers(room).filter(p => !p.equals(author)).slice(0, HISTORY_PEERS - 1)
    const [fromAuthor, ...fromOthers] = await Promise.all([author, ...others].map(async peer => this.ask(peer, room, request)))
    const messages = [fromAuthor, ...fromOthers].flatMap(answer => answer ?? []).filter(m => wanted.has(m.messageID))
    return { messages, authorAnswered: fromAuthor != null }
  }

  /** The members of `room` we hold a connection to, shuffled. */
  private connectedMembers (room: Room): PeerId[] {
    const members = new Set([...room.members.values()].map(m => m.peerId))
    const peers = this.host.node.getPeers().filter(p => members.has(p.toString()))
    for (let i = peers.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1))
      ;[peers[i], peers[j]] = [peers[j], peers[i]]
    }
    return peers
  }

  /** One peer's verified answer; undefined if it gave none (no stream, a timeout, an answer refused whole). */
  private async ask (peer: PeerId, room: Room, request: HistoryRequest): Promise<HistoryMessage[] | undefined> {
    const signal = AbortSignal.any([this.host.signal, AbortSignal.timeout(HISTORY_TIMEOUT_MS)])
    let stream: Stream | undefined
    let raw: Uint8Array
    try {
      stream = await this.host.node.dialProtocol(peer, this.protocol, { signal })
      const pb = pbStream(stream, { maxDataLength: MAX_ANSWER_BYTES + ANSWER_OVERHEAD })
      await pb.write(request, REQUEST, { signal })
      raw = await pb.read(RAW, { signal })
      await stream.close({ signal }).catch(() => {})
    } catch (err) {
      stream?.abort(err instanceof Error ? err : new Error(String(err)))
      // an answer longer than any honest one is the peer's doing; a timeout or a closed stream is not
      if (err instanceof Error && /^Invalid(Data|Message)Length/.test(err.name)) this.host.gate.charge('bad-history-answer', peer.toString())
      log('history of %s from %p failed: %e', room.roomID, peer, err)
      return undefined
    }
    let messages: Uint8Array[]
    try {
      const response = HistoryResponse.decode(raw, { limits: { messages: MAX_HISTORY_PAGE } })
      if (response.notMember) {
        log('history of %s from %p: we are not a member there', room.roomID, peer)
        return undefined
      }
      messages = response.messages
    } catch (err) {
      this.host.gate.charge('bad-history-answer', peer.toString())
      log('history answer for %s from %p refused: %e', room.roomID, peer, err)
      return undefined
    }
    const verified: HistoryMessage[] = []
    const now = Date.now()
    for (const envelope of messages) {
      const message = await this.verify(room, envelope, peer.toString(), now)
      if (message != null) verified.push(message)
    }
    return verified
  }

  /**
   * An envelope from a history answer, checked as the frame gate checks a
   * live one, as far as history allows: the author's signature; this room; a
   * chat message, not an announcement; not a barrage; a userID and key that
   * do not contradict a current member's binding (ours included); an orderKey
   * a live receiver would let move its clock. Refusals count as
   * `history-rejected`; those no honest member hands out (it checks what it
   * keeps before answering) also cost `from`, the peer that answered, as a
   * forgery does. A binding or a clock that differs from ours does not: an
   * honest member may see the room otherwise.
   */
  private async verify (room: Room, envelope: Uint8Array, from: string, now = Date.now()): Promise<HistoryMessage | undefined> {
    const refuse = (why: string, dishonest = false): undefined => {
      if (dishonest) this.host.gate.charge('history-rejected', from)
      else this.host.gate.count('history-rejected')
      log('%s: history entry from %s refused: %s', room.roomID, from, why)
      return undefined
    }
    if (envelope.byteLength > MAX_ENVELOPE_BYTES) return refuse('oversize', true)
    let frame: Frame
    let author: string
    try {
      const opened = await this.host.gate.open(envelope)
      frame = opened.body
      author = opened.author.peerIdString
    } catch {
      return refuse('does not open or is forged', true)
    }
    const message = frame.message
    if (frame.roomID !== room.roomID) return refuse('another room', true)
    if (message == null || frame.announcement != null || frame.attributes != null) return refuse('not a chat message', true)
    if (message.type === ZIMMessageType.Barrage) return refuse('a barrage message', true)
    const orderKey = Number(message.orderKey)
    if (!Number.isSafeInteger(orderKey) || orderKeyTime(orderKey) > now + MAX_ORDER_KEY_SKEW_MS) return refuse('orderKey out of range')
    const bound = message.userID === this.host.localUserID ? this.host.selfId : room.members.get(message.userID)?.peerId
    if (bound != null && bound !== author) return refuse(`${message.userID} is bound to another key`)
    const speaksAs = author === this.host.selfId ? this.host.localUserID : room.speaksAs(author)
    if (speaksAs != null && speaksAs !== message.userID) return refuse(`its key speaks as ${speaksAs}`)
    return {
      orderKey,
      messageID: messageIDOf(frame.from, frame.session, message.seq),
      // passed from peer to peer a message grows no younger: its age counts from its orderKey time
      at: Math.min(now, orderKeyTime(orderKey)),
      // decoded fields are views into the answer: the kept copy must not pin it
      envelope: copyBytes(envelope),
      author,
      frame,
      message
    }
  }

  private readonly onStream = async (stream: Stream, connection: Connection): Promise<void> => {
    const signal = AbortSignal.any([this.host.signal, AbortSignal.timeout(HISTORY_TIMEOUT_MS)])
    try {
      const pb = pbStream(stream, { maxDataLength: MAX_REQUEST_BYTES })
      const request = await pb.read(REQUEST_DECODER, { signal })
      const messages = await this.answer(request, connection.remotePeer.toString())
      await pb.write(messages == null ? { messages: [], notMember: true } : { messages: messages as Array<Uint8Array<ArrayBuffer>>, notMember: false }, HistoryResponse, { signal })
      await stream.close({ signal })
    } catch (err) {
      this.host.gate.count('history-request-failed')
      log('serving history to %p failed: %e', connection.remotePeer, err)
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  /**
   * A kept message's envelope, if it may be handed out: its signature holds.
   * One kept unchecked (it came straight from its author) is checked now,
   * once; one that fails is forgotten and counted. A body whose signature has
   * not come yet is nobody else's to have.
   */
  private async signed (room: Room, entry: KeptMessage): Promise<Uint8Array | undefined> {
    const envelope = entry.envelope
    if (envelope == null) return undefined
    if (entry.unverified !== true) return envelope
    try {
      await this.host.gate.open(envelope)
      entry.unverified = false
      return envelope
    } catch {
      room.history.forget(entry.messageID)
      this.host.gate.count('malformed-or-forged')
      return undefined
    }
  }

  /** The envelopes for one request; undefined unless it comes from a member of a room we are in. */
  private async answer (request: HistoryRequest, requester: string): Promise<Uint8Array[] | undefined> {
    const room = this.host.room(request.roomID)
    if (room == null || room.speaksAs(requester) == null) return undefined
    room.applySeals()
    if (request.messageIDs.length > 0) {
      // a recovery: exactly the messages asked for, those we keep (the decoder capped how many)
      const out: Uint8Array[] = []
      let bytes = 0
      for (const id of request.messageIDs) {
        const entry = room.history.get(id)
        const envelope = entry != null ? await this.signed(room, entry) : undefined
        if (envelope == null || bytes + envelope.byteLength > MAX_ANSWER_BYTES) continue
        bytes += envelope.byteLength
        out.push(envelope)
      }
      return out
    }
    const anchorOrderKey = Number(request.anchorOrderKey)
    const page: HistoryPage = {
      anchor: anchorOrderKey > 0 ? { orderKey: anchorOrderKey, messageID: request.anchorMessageID } : undefined,
      older: request.older,
      count: Math.min(request.count, MAX_HISTORY_PAGE)
    }
    const kept = room.history.page(page, Date.now(), entry => entry.envelope != null)
    // over the byte bound, the messages nearest the anchor stay
    const nearestFirst = page.older ? kept.reverse() : kept
    const out: Uint8Array[] = []
    let bytes = 0
    for (const entry of nearestFirst) {
      const envelope = await this.signed(room, entry)
      if (envelope == null) continue
      if (bytes + envelope.byteLength > MAX_ANSWER_BYTES) break
      bytes += envelope.byteLength
      out.push(envelope)
    }
    return page.older ? out.reverse() : out
  }
}
