/**
 * The rooms of one logged-in user on one libp2p node: how a room is found,
 * created, joined and left; the topic validator that checks every frame once
 * and feeds the room's state; heartbeats, answers to joiners, member expiry,
 * the snapshot protocol and the registry refresh; which way a message goes
 * (direct links or the topic); it runs the history protocol and the direct
 * links for its rooms. ZIM shapes stay in the facade; this module speaks
 * in rooms, members and verified frames.
 */
import { copyBytes } from '../wire/bytes.js'
import { performance } from 'node:perf_hooks'
import type { EventLoopUtilization } from 'node:perf_hooks'
import { logger } from '@libp2p/logger'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { pbStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { Announcement, Envelope, Frame, SnapshotRequest, SnapshotResponse } from '../wire/roomsub.js'
import type { AttributeUpdate, DirectFanout, DirectFrame, MemberAttribute, RoomAttribute } from '../wire/roomsub.js'
import type { AttributeChanges } from './attributes.js'
import { encodeMessage } from '../wire/encode.js'
import { encodeLinkedMessage } from '../wire/link-message.js'
import { compareGenerations, isLive, openCreation, sealCreation, sealRecord } from '../registry/record.js'
import { FrameGate, MAX_ANNOUNCED_ADDRS, MAX_UNREACHED } from './frame-gate.js'
import { WIRE_LIMITS } from './attributes.js'
import type { FrameStats } from './frame-gate.js'
import type { TokenVerifier } from '../auth/token.js'
import { Room, messageIDOf, messageIDOfFrame } from './room.js'
import { roomTopic, snapshotProtocol } from './topics.js'
import { ZIMErrorCode, zimError } from '../zim/errors.js'
import { ZIMRoomEvent, ZIMRoomState } from '../zim/defines.js'
import { HistoryProtocol } from '../history/protocol.js'
import { DirectLinks, encodeDirectFrame } from './direct-links.js'
import { LinkSealer } from './link-sealer.js'
import { CatchUpGuard, readCatchUp, readHistory } from '../history/query.js'
import type { HistoryPage } from '../history/store.js'
import type { LostMember, Member, RoomCallbacks } from './room.js'
import type { EnvelopeCodec, Opened } from '../wire/envelope.js'
import type { RoomRegistry } from '../registry/registry.js'
import type { GenerationID, RoomRecordView } from '../registry/record.js'
import type { ResolvedConfig } from '../zim/config.js'
import type { RoomsubNode } from '../node/create-node.js'
import type { ZIMMessage, ZIMUserInfo } from '../zim/defines.js'
import type { ChatMessage } from '../wire/roomsub.js'
import type { Message, SubscriptionChangeData } from '@libp2p/gossipsub'
import type { PeerId, Stream, Connection } from '@libp2p/interface'

const log = logger('roomsub:rooms')

/** Answers to joins are spread over this many ms so a room does not answer in one burst. */
const ANSWER_JITTER_MS = 20
/** how long an answer to a joiner of a direct room that is not yet our topic peer waits to be sent again (answerJoin) */
const ANSWER_AGAIN_MS = 1000
const SNAPSHOT_TIMEOUT_MS = 2000
const REPUBLISH_DEBOUNCE_MS = 25
/** How long a join waits for its extra member connections (and, with no member on the topic yet, for the first before it announces itself). */
const STRENGTHEN_TIMEOUT_MS = 1000
/** a direct room's member connected to us but off its topic for at least this long is reset (resetMembersOffTopic) */
const OFF_TOPIC_RESET_MIN_MS = 2000
/** A member reported gone must answer a dial within this long (or half the member timeout, if shorter). */
const MEMBER_CHECK_TIMEOUT_MS = 1000
/**
 * An event loop busier than this may not have read what members sent: a check's dial that timed out
 * meanwhile says nothing of the member, and the time does not count as members' silence.
 */
const STALL_UTILIZATION = 0.9

/** Whether this process's event loop was saturated since `since` (a performance.eventLoopUtilization() reading). */
function saturatedSince (since: EventLoopUtilization): boolean {
  return performance.eventLoopUtilization(since).utilization > STALL_UTILIZATION
}
/** dials toward a full mesh one room starts at once, so a joiner of a big room does not dial everyone in one go */
const DIRECT_DIALS_AT_ONCE = 8
/** a dial toward a full mesh is off the join path, so it may take as long as a loaded host needs */
const DIRECT_DIAL_TIMEOUT_MS = 10_000
/** members whose dial toward a full mesh failed are left this long before the next try */
const DIRECT_RETRY_MS = 5_000
/** failed direct dials remembered at most */
const MAX_DIRECT_FAILURES = 4096
const REPUBLISH_RETRY_MS = 100
const REPUBLISH_RETRY_MAX_MS = 3200
const MAX_SNAPSHOT_MEMBERS = 10_000
/** attribute frames a snapshot carries at most: one per room key and member entry kept */
const MAX_SNAPSHOT_ATTRIBUTE_FRAMES = WIRE_LIMITS.roomEntries + WIRE_LIMITS.memberEntries
/**
 * A frame that missed us on the mesh (its forwarders were still joining) comes by
 * gossipsub's gossip (IHAVE/IWANT, once a 1 s heartbeat) within about this long.
 */
const GOSSIP_REPAIR_MS = 2000
/** Connected peers asked for a snapshot when none is known to be in the room. */
const MAX_BLIND_SNAPSHOT_ASKS = 4
/** joiners we served a snapshot to and whose JOIN we relay when it comes (relayJoin), most recent kept */
const MAX_SNAPSHOTS_SERVED_TRACKED = 1024
/** Recoveries in flight at once, over all rooms: a member announcing messages it never sent cannot make us ask without bound. */
const MAX_RECOVERIES = 16
/** A recovered message stamped this long (sender's clock) before our JOIN is taken for one sent before we joined. */
const MAX_SEND_SKEW_MS = 1000
/** Asks for the same missing messages at most, while their author does not answer. */
const RECOVERY_ATTEMPTS = 5

export interface RoomManagerEvents {
  memberJoined(roomID: string, users: ZIMUserInfo[]): void
  memberLeft(roomID: string, users: ZIMUserInfo[]): void
  message(roomID: string, message: ZIMMessage): void
  /** recent messages from before our join (the `historyOnJoin` catch-up), ascending */
  offlineMessages(roomID: string, messages: ZIMMessage[]): void
  roomState(roomID: string, state: ZIMRoomState, event: ZIMRoomEvent, extendedData?: string): void
  /** attributes changed as this member sees them; `operator` is the userID whose frame did it (none when an owner left) */
  attributes(roomID: string, changes: AttributeChanges, operator: string | undefined, batch: boolean): void
}

export interface RoomManagerInit {
  node: RoomsubNode
  codec: EnvelopeCodec
  registry: RoomRegistry
  config: ResolvedConfig
  user: { userID: string, userName: string }
  /** in apps with an authority: how members' tokens are checked, and ours */
  auth?: { verifier: TokenVerifier, token: Uint8Array }
  events: RoomManagerEvents
}

export interface EnterOptions {
  roomName: string
  destroyDelay: number
  /** the creator's initial room attributes (ignored when the room exists) */
  roomAttributes?: Record<string, string>
}

type Mode = 'create' | 'join' | 'enter'

interface Snapshot {
  members: Array<Opened<Frame> & { raw: Uint8Array }>
  creation?: Uint8Array
  attributes: Array<Opened<Frame> & { raw: Uint8Array }>
}

export class RoomManager {
  private readonly init: RoomManagerInit
  private readonly rooms = new Map<string, Room>()
  private readonly connecting = new Set<string>()
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private readonly abort = new AbortController()
  private readonly gate: FrameGate
  private readonly selfId: string
  private readonly callbacks: RoomCallbacks
  private readonly answerPending = new Set<string>()
  /** `roomID\npeer` of joiners served a snapshot, and when */
  private readonly snapshotsServed = new Map<string, number>()
  private readonly refreshing = new Set<string>()
  private readonly checking = new Set<string>()
  /** direct dials under way (roomID, peer id), and when a failed one may be tried again */
  private readonly directDials = new Set<string>()
  private readonly directFailures = new Map<string, number>()
  /** rooms whose heartbeat timer runs */
  private readonly heartbeating = new WeakSet<Room>()
  private readonly repairing = new Set<string>()
  private readonly sentTimes: number[] = []
  private readonly history: HistoryProtocol
  private readonly links: DirectLinks
  /** rooms whose join catch-up has started: live messages it delivered are not delivered again */
  private readonly catchUps = new Map<Room, CatchUpGuard>()
  private stopped = false
  private readonly sealer: LinkSealer
  private recoveries = 0
  private republishPending = false

  constructor (init: RoomManagerInit) {
    this.init = init
    this.selfId = init.node.peerId.toString()
    this.gate = new FrameGate({
      codec: init.codec,
      messagesPerSecond: init.config.messageRateLimit,
      strangerWait: Math.max(init.config.reorderWindow, init.config.heartbeatInterval * 1.5, GOSSIP_REPAIR_MS),
      tokens: init.auth?.verifier,
      penalties: init.node.services.penalties,
      onAbusive: (peer) => { this.hangUp(peer) },
      joinAccepted: (room, author, envelope) => { this.relayJoin(room, author, envelope) },
      // a public method of gossipsub's class that its service interface does not list
      meshPeers: (roomID) => (this.pubsub as RoomsubNode['services']['pubsub'] & { getMeshPeers(topic: string): string[] }).getMeshPeers(roomTopic(init.config.appID, roomID))
    })
    this.callbacks = {
      joined: (room, users) => { this.init.events.memberJoined(room.roomID, users) },
      left: (room, users) => { this.init.events.memberLeft(room.roomID, users) },
      message: (room, message) => {
        if (this.catchUps.get(room)?.admitLive(message.messageID) === false) return
        this.init.events.message(room.roomID, message)
      },
      joinSeen: (room, joiner) => { this.answerJoin(room, joiner) },
      recover: (room, member, seqs) => { void this.recover(room, member, seqs) },
      suspect: (room, member) => { this.checkMember(room, member) },
      generationLost: (room, winner) => { void this.loseRoom(room, winner) },
      lostHeard: (room, lost, addrs) => { this.redial(room, lost, addrs) },
      attributesChanged: (room, changes, operator, batch) => { this.init.events.attributes(room.roomID, changes, operator, batch) },
      attributesDiffer: (room, member) => { this.scheduleRepair(room, member) }
    }
    this.links = new DirectLinks({
      node: init.node,
      appID: init.config.appID,
      receive: (frame, source, sourceBytes) => { this.onLinkedFrame(frame, source, sourceBytes) },
      malformed: (source) => { this.gate.charge('malformed-or-forged', source) },
      signal: this.abort.signal
    })
    this.sealer = new LinkSealer({ codec: init.codec, links: this.links })
    this.history = new HistoryProtocol({
      node: init.node,
      appID: init.config.appID,
      gate: this.gate,
      selfId: this.selfId,
      localUserID: init.user.userID,
      room: (roomID) => this.room(roomID),
      signal: this.abort.signal
    })
  }

  private get pubsub (): RoomsubNode['services']['pubsub'] {
    return this.init.node.services.pubsub
  }

  private get routingTable (): EventTarget | undefined {
    const table = (this.init.node.services.dht as { routingTable?: unknown }).routingTable
    return table instanceof EventTarget ? table : undefined
  }

  async start (): Promise<void> {
    this.routingTable?.addEventListener('peer:add', this.onRoutingPeer)
    this.pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    this.init.node.addEventListener('peer:disconnect', this.onPeerDisconnect)
    await this.init.node.handle(snapshotProtocol(this.init.config.appID), this.onSnapshotStream, { maxInboundStreams: 64 })
    await this.history.start()
    await this.links.start()
  }

  /** Leaves every room with a signed leave, then stops every timer and handler. */
  async stop (): Promise<void> {
    if (this.stopped) return
    await this.leaveAll().catch(err => { log.error('leaving rooms at stop failed: %e', err) })
    this.stopped = true
    this.abort.abort()
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    this.sealer.stop()
    this.pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    this.routingTable?.removeEventListener('peer:add', this.onRoutingPeer)
    this.init.node.removeEventListener('peer:disconnect', this.onPeerDisconnect)
    await this.init.node.unhandle(snapshotProtocol(this.init.config.appID)).catch(() => {})
    await this.history.stop()
    await this.links.stop()
  }

  frameStats (): FrameStats {
    return { ...this.gate.stats }
  }

  private count (reason: string): void {
    this.gate.count(reason)
  }

  private after (ms: number, fn: () => void): void {
    if (this.stopped) return
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      fn()
    }, ms)
    this.timers.add(timer)
  }

  room (roomID: string): Room | undefined {
    const room = this.rooms.get(roomID)
    return room?.connected === true ? room : undefined
  }

  joinedRoomIDs (): string[] {
    return [...this.rooms.values()].filter(r => r.connected).map(r => r.roomID)
  }

  // ---------------------------------------------------------------- entering

  /** Creates or joins as `mode` says; `switching` reports the room's states as a switch (ActiveSwitch, SwitchFailed). */
  async enter (roomID: string, mode: Mode, options: EnterOptions, switching = false): Promise<Room> {
    if (this.rooms.get(roomID)?.connected === true) {
      throw zimError(ZIMErrorCode.RoomModuleUserIsAlreadyInTheRoom, `already in room ${roomID}`)
    }
    if (this.connecting.has(roomID)) {
      throw zimError(ZIMErrorCode.RoomModuleTheRoomIsConnecting, `room ${roomID} is connecting`)
    }
    if (this.rooms.size >= this.init.config.maxJoinedRooms) {
      throw zimError(ZIMErrorCode.RoomModuleTheNumberOfJoinedRoomsHasReachedLimit, `already in ${this.rooms.size} rooms, the limit`)
    }
    const room = new Room({
      roomID,
      localUserID: this.init.user.userID,
      localPeerId: this.selfId,
      memberTimeout: this.init.config.memberTimeout,
      heartbeatInterval: this.init.config.heartbeatInterval,
      reorderWindow: this.init.config.reorderWindow,
      maxMembers: this.init.config.maxRoomMembers,
      history: { limit: this.init.config.historyLimit, maxAge: this.init.config.historyMaxAge },
      callbacks: this.callbacks
    })
    this.connecting.add(roomID)
    this.rooms.set(roomID, room)
    this.init.events.roomState(roomID, ZIMRoomState.Connecting, switching ? ZIMRoomEvent.ActiveSwitch : mode === 'create' ? ZIMRoomEvent.ActiveCreate : ZIMRoomEvent.ActiveEnter)
    const topic = roomTopic(this.init.config.appID, roomID)
    this.pubsub.topicValidators.set(topic, async (source, msg) => this.validate(room, source, msg))
    this.pubsub.subscribe(topic)
    try {
      const created = await this.settle(room, mode, options)
      room.connected = true
      if (!this.heartbeating.has(room)) this.startHeartbeat(room)
      // a joiner with the smallest id takes over the record now; others leave it to that member
      if (!created) this.maybeRefreshRecord(room, true)
      this.init.events.roomState(roomID, ZIMRoomState.Connected, ZIMRoomEvent.Success)
      if (room.members.size > 0) {
        this.init.events.memberJoined(roomID, room.memberList())
      }
      if (!created && this.init.config.historyOnJoin > 0) {
        // live messages are recorded from the moment the room is connected, so the catch-up leaves every one out;
        // it reads after the call resolves (a timer runs after the promise chain): the app hears the room first
        const guard = new CatchUpGuard()
        this.catchUps.set(room, guard)
        this.after(0, () => { void this.catchUp(room, guard) })
      }
      return room
    } catch (err) {
      this.detach(room)
      this.init.events.roomState(roomID, ZIMRoomState.Disconnected, switching ? ZIMRoomEvent.SwitchFailed : mode === 'create' ? ZIMRoomEvent.CreateFailed : ZIMRoomEvent.EnterFailed)
      throw err
    } finally {
      this.connecting.delete(roomID)
    }
  }

  /** Finds out whether the room exists, then creates it or joins it as `mode` says; true if it created it. */
  private async settle (room: Room, mode: Mode, options: EnterOptions): Promise<boolean> {
    const started = Date.now()
    const topic = roomTopic(this.init.config.appID, room.roomID)
    // a DHT walk costs dozens of requests: ask it only when no neighbour is known to be in the room
    let snapshot: Snapshot | undefined
    let record: RoomRecordView | undefined
    /** the newest record found, live or not: a join refused as missing says when the room's record lapsed */
    let newest: RoomRecordView | undefined
    let unanswered = 0
    /** whether anybody (a neighbour, the registry, our own copy of a record) could say if the room exists */
    let told = false
    for (let round = 1; ; round++) {
      let recordLookup = this.pubsub.getSubscribers(topic).length === 0 ? this.init.registry.lookup(room.roomID) : undefined
      const first = await this.snapshotFromTopicPeers(room)
      snapshot = first.snapshot
      unanswered = first.unanswered
      told ||= first.answered > 0
      if (snapshot == null) {
        // nobody connected is in the room: the registry decides whether it exists
        recordLookup ??= this.init.registry.lookup(room.roomID)
        const found = await recordLookup
        this.checkStopped()
        told ||= found.record != null || found.answers > 0
        newest = found.record ?? newest
        record = found.record != null && isLive(found.record) ? found.record : undefined
        // a neighbour's subscriptions may have arrived while the registry was asked (a fresh connection)
        const second = await this.snapshotFromTopicPeers(room)
        snapshot = second.snapshot
        unanswered += second.unanswered
        told ||= second.answered > 0
        if (snapshot == null && record != null && !record.vacant) {
          // the room has members we are not connected to: dial the last refresher
          snapshot = await this.reachRoom(room, record)
        }
      }
      if (snapshot != null || record != null || unanswered === 0 || Date.now() - started >= this.init.config.joinTimeout) break
      // neighbours that did not answer in time (a busy network) have not said no: ask again until the join deadline
      log('%s %s: %d snapshot requests unanswered, asking again (round %d)', mode, room.roomID, unanswered, round + 1)
    }
    const exists = snapshot != null || record != null
    log('%s %s: snapshot of %d members, %s', mode, room.roomID, snapshot?.members.length ?? 0,
      snapshot != null ? 'registry not needed' : record == null ? 'no live record' : `${record.vacant ? 'vacant' : 'occupied'} record`)
    if (exists && mode === 'create') {
      throw zimError(ZIMErrorCode.RoomModuleTheRoomAlreadyExists, `room ${room.roomID} already exists`)
    }
    if (!exists && mode === 'join') {
      // neighbours that never answered have not said the room is missing: that is a timeout, not a no
      if (unanswered > 0) throw zimError(ZIMErrorCode.NetworkModuleRequestTimeout, `room ${room.roomID}: ${unanswered} peers did not answer within joinTimeout`)
      // with no peer left to ask (those we knew are gone), nobody said it is missing either
      if (!told && this.init.node.getConnections().length === 0) {
        throw zimError(ZIMErrorCode.NetworkModuleNetworkError, `room ${room.roomID}: connected to no peer, so none could say whether it exists`)
      }
      const lapsed = newest != null ? `: its record lapsed ${Date.now() - newest.expiresAt} ms ago` : ': no peer we reached is in it and the registry holds no record of it'
      throw zimError(ZIMErrorCode.RoomModuleTheRoomDoesNotExist, `room ${room.roomID} does not exist${lapsed}`)
    }
    if (!exists) {
      await this.createAs(room, options)
      return true
    }
    if (snapshot != null) {
      await this.adoptSnapshot(room, snapshot, record)
    } else if (record != null) {
      this.adoptRecord(room, record)
    }
    const snapshotAt = Date.now()
    let strengthenedAt = 0
    const strengthening = this.strengthen(room).then(() => {
      strengthenedAt = Date.now()
      // the rest of a direct room, dialled once the first few are up so their handshakes do not hold those up
      this.connectMembers(room)
    }, err => { log('strengthening %s failed: %e', room.roomID, err) })
    // a member that is already our topic peer carries the JOIN to the room at once (and relays it,
    // see relayJoin), so the JOIN does not wait for the dials (tens of ms, hundreds on a busy node);
    // with none yet (the subscriptions of the member that gave the snapshot may still be on the way),
    // it waits for the first. Until we are their topic peer, members' answers reach us through the
    // mesh of the member we joined through, or come again once we are (answerJoin).
    if (this.pubsub.getSubscribers(topic).length === 0) await Promise.race([strengthening, this.waitForTopicPeer(topic, STRENGTHEN_TIMEOUT_MS)])
    const joinedAt = Date.now()
    room.joinedAt = joinedAt
    await this.announce(room, Announcement.Kind.JOIN)
    // members start counting our silence from the JOIN: waiting for their answers can outlast memberTimeout
    this.startHeartbeat(room)
    // the call resolves with roomPeerTarget members connected, as history queries and a hub's pruned mesh need
    await Promise.all([strengthening, this.waitUntilHeard(room, joinedAt)])
    log('joined %s: snapshot %d ms, JOIN at %d ms, strengthen %d ms, heard by all %d ms after the JOIN', room.roomID, snapshotAt - started,
      joinedAt - started, strengthenedAt - snapshotAt, Date.now() - joinedAt)
    return false
  }

  private async createAs (room: Room, options: EnterOptions): Promise<void> {
    const createdAt = Date.now()
    room.joinedAt = createdAt
    room.roomName = options.roomName
    room.destroyDelay = options.destroyDelay
    room.generation = { creator: this.selfId, creatorBytes: this.init.codec.self.peerIdBytes, createdAt }
    room.creation = await sealCreation(this.init.codec, { roomID: room.roomID, roomName: options.roomName, destroyDelay: options.destroyDelay, createdAt })
    const initial = Object.entries(options.roomAttributes ?? {})
    if (initial.length > 0) {
      // the creator owns the room's first attributes; they stay when it leaves, as in ZIM
      const self = this.init.user.userID
      await this.publishAttributes(room, initial.map(([key, value]) => ({ key, value, deleted: false, owner: self, deleteAfterOwnerLeft: false, ownerSession: 0n })), [], false)
    }
    await this.announce(room, Announcement.Kind.JOIN)
    await this.publishRecord(room, false)
  }

  private adoptRecord (room: Room, record: RoomRecordView): void {
    room.roomName = record.roomName
    room.destroyDelay = record.destroyDelay
    room.generation = record.generation
    room.creation = record.creation
  }

  private async adoptSnapshot (room: Room, snapshot: Snapshot, record: RoomRecordView | undefined): Promise<void> {
    if (snapshot.creation != null) {
      try {
        const creation = await openCreation(this.init.codec, snapshot.creation)
        if (creation.roomID === room.roomID) {
          room.roomName = creation.roomName
          room.destroyDelay = creation.destroyDelay
          room.generation = creation.generation
          room.creation = creation.sealed
        }
      } catch (err) {
        this.count('bad-snapshot-creation')
        log('snapshot creation refused: %e', err)
      }
    }
    if (room.generation == null && record != null) {
      this.adoptRecord(room, record)
    }
    if (room.generation == null) {
      // no creation at hand: take the lifetime the members announce
      const ann = snapshot.members[0].body.announcement
      if (ann?.generation != null) {
        room.generation = { creator: '', creatorBytes: copyBytes(ann.generation.creator), createdAt: Number(ann.generation.createdAt) }
        room.roomName = ann.roomName
        room.destroyDelay = ann.destroyDelay
      }
    }
    for (const entry of snapshot.members) {
      const ann = entry.body.announcement
      if (ann == null) continue
      if (!this.gate.authorized(entry.author.peerIdString, ann)) {
        this.count('snapshot-rejected')
        continue
      }
      if (ann.userID === this.init.user.userID && entry.author.peerIdString !== this.selfId) {
        // first key wins: another peer holds our userID in this room
        throw zimError(ZIMErrorCode.RoomModuleUserIsAlreadyInTheRoom, `user ${ann.userID} is already in room ${room.roomID} on another peer`)
      }
      const verdict = room.applyAnnouncement(entry.author.peerIdString, entry.body, ann, entry.raw, false)
      if (verdict === 'reject') this.count('snapshot-rejected')
    }
    this.mergeAttributeFrames(room, snapshot.attributes, 'snapshot')
  }

  private mergeAttributeFrames (room: Room, frames: Snapshot['attributes'], source: 'snapshot' | 'repair'): void {
    for (const entry of frames) {
      if (entry.body.attributes == null) continue
      const verdict = room.applyAttributes(entry.author.peerIdString, entry.body, entry.body.attributes, entry.raw, source)
      if (verdict !== 'accept') this.count(`${source}-attributes-${verdict === 'reject' ? 'rejected' : 'ignored'}`)
    }
  }

  /** Dials the record's contact addresses and waits for a member to show up on the topic. */
  private async reachRoom (room: Room, record: RoomRecordView): Promise<Snapshot | undefined> {
    if (record.refresher === this.selfId || record.addrs.length === 0) {
      return undefined
    }
    const topic = roomTopic(this.init.config.appID, room.roomID)
    const seen = this.waitForTopicPeer(topic, this.init.config.joinTimeout)
    try {
      await this.init.node.dial(record.addrs, { signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.init.config.joinTimeout)]) })
    } catch (err) {
      log('could not reach %s at %s: %e', room.roomID, record.addrs.map(String).join(','), err)
    }
    await seen
    return (await this.snapshotFromTopicPeers(room)).snapshot
  }

  /** Resolves true once `count` peers (or `peer`, if given) are subscribers of `topic`, false after `timeout` ms or at logout. */
  private async waitForTopicPeer (topic: string, timeout: number, count = 1, peer?: string): Promise<boolean> {
    const enough = (): boolean => peer != null
      ? this.pubsub.getSubscribers(topic).some(p => p.toString() === peer)
      : this.pubsub.getSubscribers(topic).length >= count
    if (enough()) return true
    if (this.stopped) return false
    return new Promise<boolean>(resolve => {
      const done = (found: boolean): void => {
        clearTimeout(timer)
        this.pubsub.removeEventListener('subscription-change', listener)
        this.abort.signal.removeEventListener('abort', onAbort)
        resolve(found)
      }
      const listener = (evt: CustomEvent<SubscriptionChangeData>): void => {
        if (evt.detail.subscriptions.some(s => s.subscribe && s.topic === topic) && enough()) done(true)
      }
      const onAbort = (): void => { done(false) }
      const timer = setTimeout(() => { done(false) }, timeout)
      this.pubsub.addEventListener('subscription-change', listener)
      this.abort.signal.addEventListener('abort', onAbort)
    })
  }

  /**
   * Waits until every member the snapshot named has been heard live since we
   * announced: then the paths both ways exist and a message sent now reaches
   * them. A member that stays silent (it vanished) stops the wait at the deadline.
   */
  private async waitUntilHeard (room: Room, since: number): Promise<void> {
    if (room.allHeard()) return
    const left = Math.max(0, since + this.init.config.joinTimeout - Date.now())
    await new Promise<void>(resolve => {
      const done = (): void => {
        clearTimeout(timer)
        room.onHeard = undefined
        this.abort.signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(() => {
        log('joined %s without hearing from %s', room.roomID, [...room.members.values()].filter(m => !m.heard).map(m => m.userID).join(','))
        done()
      }, left)
      room.onHeard = () => { if (room.allHeard()) done() }
      this.abort.signal.addEventListener('abort', done)
    })
    this.checkStopped()
  }

  private checkStopped (): void {
    if (this.stopped) {
      throw zimError(ZIMErrorCode.NetworkModuleUserIsNotLogged, 'logged out')
    }
  }

  // ---------------------------------------------------------------- snapshot

  /**
   * Asks connected subscribers of the room topic, one by one, for what they
   * know of the room. With none known yet (their subscriptions may still be
   * on the way, on a busy node), asks a few connected peers at once instead.
   */
  private async snapshotFromTopicPeers (room: Room): Promise<{ snapshot?: Snapshot, unanswered: number, answered: number }> {
    const topic = roomTopic(this.init.config.appID, room.roomID)
    const subscribers = this.pubsub.getSubscribers(topic)
    let unanswered = 0
    let answered = 0
    for (const peer of subscribers) {
      const snapshot = await this.requestSnapshot(peer, room.roomID)
      if (snapshot === 'unanswered') unanswered++
      else if (snapshot != null) answered++
      if (snapshot != null && snapshot !== 'unanswered' && snapshot.members.length > 0) return { snapshot, unanswered, answered }
    }
    if (subscribers.length > 0) return { unanswered, answered }
    const asked = this.init.node.getPeers().slice(0, MAX_BLIND_SNAPSHOT_ASKS)
    const answers = await Promise.all(asked.map(async peer => this.requestSnapshot(peer, room.roomID)))
    const given = answers.filter((s): s is Snapshot => s != null && s !== 'unanswered')
    return { snapshot: given.find(s => s.members.length > 0), unanswered: answers.filter(a => a === 'unanswered').length, answered: given.length }
  }

  /** The peer's view of the room; undefined if it does not speak the protocol, 'unanswered' if it did not answer in time. */
  private async requestSnapshot (peer: PeerId, roomID: string): Promise<Snapshot | 'unanswered' | undefined> {
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(SNAPSHOT_TIMEOUT_MS)])
    let stream: Stream | undefined
    try {
      stream = await this.init.node.dialProtocol(peer, snapshotProtocol(this.init.config.appID), { signal })
      const pb = pbStream(stream, { maxDataLength: 4 * 1024 * 1024 })
      await pb.write({ roomID }, SnapshotRequest, { signal })
      const response = await pb.read(SnapshotResponse, { signal, limits: { announcements: MAX_SNAPSHOT_MEMBERS, attributes: MAX_SNAPSHOT_ATTRIBUTE_FRAMES } })
      await stream.close({ signal }).catch(() => {})
      const members: Snapshot['members'] = []
      const attributes: Snapshot['attributes'] = []
      for (const raw of response.attributes) {
        try {
          const opened = await this.gate.open(raw)
          if (opened.body.roomID === roomID && opened.body.attributes != null) attributes.push({ ...opened, raw })
          else this.count('snapshot-rejected')
        } catch {
          this.count('snapshot-rejected')
        }
      }
      for (const raw of response.announcements) {
        try {
          const opened = await this.gate.open(raw)
          if (opened.body.roomID === roomID && opened.body.announcement != null && opened.body.announcement.kind !== Announcement.Kind.LEAVE) {
            members.push({ ...opened, raw })
          } else {
            this.count('snapshot-rejected')
          }
        } catch {
          this.count('snapshot-rejected')
        }
      }
      return { members, creation: response.creation.byteLength > 0 ? response.creation : undefined, attributes }
    } catch (err) {
      log('snapshot of %s from %p failed: %e', roomID, peer, err)
      stream?.abort(err instanceof Error ? err : new Error(String(err)))
      // a peer that does not speak the protocol has said no; any other failure is no answer yet
      return (err as Error)?.name === 'UnsupportedProtocolError' ? undefined : 'unanswered'
    }
  }

  private readonly onSnapshotStream = async (stream: Stream, connection: Connection): Promise<void> => {
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(SNAPSHOT_TIMEOUT_MS)])
    try {
      const pb = pbStream(stream)
      const request = await pb.read(SnapshotRequest, { signal })
      const room = this.room(request.roomID)
      const announcements: Uint8Array<ArrayBuffer>[] = []
      if (room?.latest != null) {
        if (room.connected) this.servedSnapshot(room, connection.remotePeer.toString())
        announcements.push(room.latest as Uint8Array<ArrayBuffer>)
        for (const member of room.members.values()) {
          announcements.push(member.latest as Uint8Array<ArrayBuffer>)
        }
      }
      const attributes = (room?.attributes.frames() ?? []) as Array<Uint8Array<ArrayBuffer>>
      await pb.write({ announcements, creation: (room?.creation?.envelope ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>, attributes }, SnapshotResponse, { signal })
      await stream.close({ signal })
    } catch (err) {
      this.count('snapshot-request-failed')
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  // ---------------------------------------------------------------- frames

  /** A peer kept sending frames no honest peer sends: close its connections (gossipsub already ignores it). */
  private hangUp (peer: string): void {
    this.count('peer-disconnected')
    const connections = this.init.node.getConnections().filter(c => c.remotePeer.toString() === peer)
    log('closing %d connections to abusive peer %s', connections.length, peer)
    for (const c of connections) void c.close().catch(err => { c.abort(err) })
  }

  /** The topic validator: every frame is decoded, verified and applied here, once per node. */
  private async validate (room: Room, source: PeerId, msg: Message): Promise<TopicValidatorResult> {
    // gossipsub runs StrictNoSign and drops signed messages before validators see them
    if (msg.type !== 'unsigned') return TopicValidatorResult.Reject
    const verdict = await this.gate.admit(room, msg.data, source.toString())
    // 'delivered': taken, but every member had it from its author (or gets it from others), so
    // gossipsub must not forward it; Ignore is its only verdict that does not forward and costs the source no score
    return verdict === 'accept' ? TopicValidatorResult.Accept : verdict === 'reject' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore
  }

  /**
   * How a frame published now goes out: straight to every member we know of
   * that is a subscriber of the topic (gossipsub's flood publish sends to
   * each, unless its score fell below the publish threshold: a peer sending
   * us forgeries, which may then ask for what it lacks). Members that get it
   * from us forward it only if one of those we miss (`unreached`) is their
   * mesh peer. Where all members are connected to each other (see
   * directRoomSize), forwarded copies were three in four of a message's
   * frames, each costing a Noise frame, a yamux frame and a decode at both
   * ends. Undefined (everyone forwards) when we miss more than
   * MAX_UNREACHED. A member we do not know of yet (its JOIN still on the
   * way) may miss the frame; our next heartbeat shows it missing and it asks
   * for it (recovery).
   */
  private fanout (room: Room, topic: string): DirectFanout | undefined {
    const subscribers = new Set<string>()
    for (const peer of this.pubsub.getSubscribers(topic)) subscribers.add(peer.toString())
    const unreached: Array<Uint8Array<ArrayBuffer>> = []
    for (const member of room.members.values()) {
      if (member.peerId === this.selfId || subscribers.has(member.peerId)) continue
      if (unreached.length === MAX_UNREACHED) return undefined
      unreached.push(member.from as Uint8Array<ArrayBuffer>)
    }
    return { unreached }
  }

  /**
   * The members of a room of at most directRoomSize that a chat message can
   * reach on their direct links, all of them; undefined if any has no link
   * open yet (this opens it, for later messages) or the topic has a peer we
   * do not know as a member (its JOIN on the way: gossipsub reaches it).
   */
  private linkedMembers (room: Room, topic: string, except?: string): string[] | undefined {
    const limit = this.init.config.directRoomSize
    if (limit <= 0 || room.members.size > limit) return undefined
    const peers = new Set<string>()
    let linked = true
    for (const member of room.members.values()) {
      if (member.peerId === this.selfId) continue
      peers.add(member.peerId)
      if (member.peerId === except) continue
      // every member is asked, so links to all of them open at once
      if (!this.links.ready(member.peerId)) linked = false
    }
    if (!linked) return undefined
    for (const peer of this.pubsub.getSubscribers(topic)) {
      if (!peers.has(peer.toString())) return undefined
    }
    if (except != null) peers.delete(except)
    return [...peers]
  }

  /**
   * Sends a chat message and keeps our copy for history. Where every member
   * has a direct link it goes on the links unsigned and is signed after: the
   * signature follows on the same links (a Seal), so no member waits on
   * Ed25519 to deliver it; each knows the body is ours from the link (Noise),
   * and hands it on only as the signed envelope. Otherwise, or if a link
   * breaks on the way, it is sealed and published on the room's topic.
   */
  private async publishMessage (room: Room, frame: Frame & { message: ChatMessage }, timestamp: number): Promise<void> {
    const topic = roomTopic(this.init.config.appID, room.roomID)
    const linked = this.linkedMembers(room, topic)
    if (linked != null) {
      frame.direct = { unreached: [] }
      const { wire, body } = encodeLinkedMessage(frame, this.sealer.take(room, linked))
      let sent = true
      for (const peer of linked) sent = this.links.send(peer, wire) && sent
      // our own messages are history too, for those who join later: kept as sent, sealed when signed
      room.keepMessage({ body }, frame, frame.message, timestamp)
      const bare = { room, frame, body, peers: linked }
      if (sent) {
        this.sealer.sent(bare)
        return
      }
      // a link broke on the way: the topic carries the sealed frame to everyone (those that had the
      // body drop it as a duplicate) and the links that took the body get its Seal
      const envelope = await this.init.codec.sign('frame', body)
      this.sealer.signed(bare, envelope.signature)
      await this.pubsub.publish(topic, Envelope.encode(envelope))
      return
    }
    frame.direct = this.fanout(room, topic)
    const sealed = await this.init.codec.seal('frame', encodeMessage(Frame.codec(), frame))
    await this.pubsub.publish(topic, sealed)
    room.keepMessage({ envelope: sealed }, frame, frame.message, timestamp)
  }

  /**
   * A frame a peer sent on its direct link: a sealed frame or a message body
   * goes to the gate, as one from gossipsub would; Seals complete the bodies
   * it sent before (named by its own peer id, their session and seq).
   */
  private onLinkedFrame (frame: DirectFrame, source: string, sourceBytes: Uint8Array): void {
    const room = this.rooms.get(frame.roomID)
    if (room != null && !room.connected && this.connecting.has(frame.roomID) && frame.envelope.byteLength > 0) {
      // while we join, members hand us their answers on links (answerAgain): the gate takes them as it
      // takes the topic's (chat messages are ignored until we are in, as there)
      this.gate.admit(room, frame.envelope, source).catch(err => { log.error('direct frame from %s in %s: %e', source, frame.roomID, err) })
      return
    }
    if (room == null || !room.connected) {
      // a member may still be sending as we leave: not a fault
      this.count('direct-not-in-room')
      return
    }
    if (frame.body.byteLength > 0 || frame.envelope.byteLength > 0) {
      const admitted = frame.body.byteLength > 0 ? this.gate.admitBody(room, frame.body, source) : this.gate.admit(room, frame.envelope, source)
      admitted.catch(err => { log.error('direct frame from %s in %s: %e', source, frame.roomID, err) })
    }
    // Seals of earlier messages (riding on a new one, or alone) wait until history is asked for
    if (frame.seals.length > 0) room.holdSeals(sourceBytes, frame.seals)
  }

  private async announce (room: Room, kind: Announcement.Kind, gone?: Member): Promise<void> {
    const announcement: Announcement = {
      kind,
      seq: room.nextAnnouncementSeq(),
      userID: this.init.user.userID,
      userName: this.init.user.userName,
      msgSeq: room.msgSeq,
      timestamp: BigInt(Date.now()),
      addrs: this.init.node.getMultiaddrs().slice(0, MAX_ANNOUNCED_ADDRS).map(a => a.bytes as Uint8Array<ArrayBuffer>),
      roomName: room.roomName,
      destroyDelay: room.destroyDelay,
      generation: room.generation != null
        ? { creator: room.generation.creatorBytes as Uint8Array<ArrayBuffer>, createdAt: BigInt(room.generation.createdAt) }
        : undefined,
      goneUserID: gone?.userID ?? '',
      goneSession: gone?.session ?? 0n,
      token: (this.init.auth?.token ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
      attributesDigest: room.attributes.digest() as Uint8Array<ArrayBuffer>
    }
    const frame: Frame = { from: this.init.codec.self.peerIdBytes as Uint8Array<ArrayBuffer>, roomID: room.roomID, session: room.session, announcement }
    const topic = roomTopic(this.init.config.appID, room.roomID)
    // only heartbeats: one a member we do not know yet misses is followed by the next, while a JOIN,
    // LEAVE or GONE must reach members its author has not heard of
    if (kind === Announcement.Kind.HEARTBEAT) frame.direct = this.fanout(room, topic)
    const bytes = await this.init.codec.seal('frame', encodeMessage(Frame.codec(), frame))
    if (kind !== Announcement.Kind.LEAVE && kind !== Announcement.Kind.GONE) {
      room.latest = bytes
    }
    await this.pubsub.publish(topic, bytes)
  }

  /** Sends one chat message; the caller has validated it. */
  async send (room: Room, fields: Omit<ChatMessage, 'seq' | 'timestamp' | 'orderKey' | 'userID'>): Promise<{ messageID: string, timestamp: number, orderKey: number }> {
    this.takeRateToken()
    const timestamp = Date.now()
    const orderKey = room.nextOrderKey(timestamp)
    room.msgSeq += 1n
    const seq = room.msgSeq
    const message: ChatMessage = { ...fields, seq, timestamp: BigInt(timestamp), orderKey: BigInt(orderKey), userID: this.init.user.userID }
    const frame = { from: this.init.codec.self.peerIdBytes as Uint8Array<ArrayBuffer>, roomID: room.roomID, session: room.session, message }
    try {
      await this.publishMessage(room, frame, timestamp)
    } catch (err) {
      throw zimError(ZIMErrorCode.MessageModuleSendMessageFailed, `message not sent: ${err instanceof Error ? err.message : String(err)}`)
    }
    return { messageID: messageIDOfFrame(frame, message), timestamp, orderKey }
  }

  /**
   * Publishes a change of attributes the caller planned and checked, after
   * applying it here: our own view changes (and is reported) at once.
   */
  async publishAttributes (room: Room, roomEntries: RoomAttribute[], memberEntries: MemberAttribute[], batch: boolean): Promise<void> {
    const attributes: AttributeUpdate = { clock: room.attributes.nextClock(), room: roomEntries, members: memberEntries, batch }
    const frame: Frame = { from: this.init.codec.self.peerIdBytes as Uint8Array<ArrayBuffer>, roomID: room.roomID, session: room.session, attributes }
    const bytes = await this.init.codec.seal('frame', encodeMessage(Frame.codec(), frame))
    room.applyAttributes(this.selfId, frame, attributes, bytes)
    try {
      await this.pubsub.publish(roomTopic(this.init.config.appID, room.roomID), bytes)
    } catch (err) {
      // nobody is subscribed yet (a lone member): the change stays here and reaches joiners in snapshots
      log('attributes in %s not published: %e', room.roomID, err)
    }
  }

  /**
   * A member's attributes digest differs from ours. Usually a frame is in
   * flight; if the difference outlasts a moment, fetch that member's
   * attribute frames and merge them (it does the same with ours when it
   * sees our digest), so a frame missed while joining or across a partition
   * still reaches everybody.
   */
  private scheduleRepair (room: Room, member: Member): void {
    const key = `${room.roomID}\n${member.userID}`
    if (this.repairing.has(key)) return
    this.repairing.add(key)
    this.after(Math.max(this.init.config.reorderWindow, 200), () => {
      const current = room.members.get(member.userID)
      if (this.rooms.get(room.roomID) !== room || !room.connected || current == null || room.attributes.sameDigest(current.attributesDigest)) {
        this.repairing.delete(key)
        return
      }
      void this.repair(room, current).finally(() => {
        // at most one repair per member per heartbeat
        this.after(this.init.config.heartbeatInterval, () => this.repairing.delete(key))
      })
    })
  }

  private async repair (room: Room, member: Member): Promise<void> {
    const snapshot = await this.requestSnapshot(peerIdFromString(member.peerId), room.roomID)
    if (snapshot == null || snapshot === 'unanswered' || this.rooms.get(room.roomID) !== room) return
    log('%s at %s: attributes differed from %s\'s, merged %d frames', room.roomID, this.init.user.userID, member.userID, snapshot.attributes.length)
    this.mergeAttributeFrames(room, snapshot.attributes, 'repair')
  }

  /** ZIM's client-side limit: at most `messageRateLimit` messages in any one second. */
  private takeRateToken (): void {
    const now = Date.now()
    while (this.sentTimes.length > 0 && now - this.sentTimes[0] >= 1000) this.sentTimes.shift()
    if (this.sentTimes.length >= this.init.config.messageRateLimit) {
      throw zimError(ZIMErrorCode.CommonModuleTriggerSDKFrequencyLimit, `more than ${this.init.config.messageRateLimit} messages in one second`)
    }
    this.sentTimes.push(now)
  }

  // ---------------------------------------------------------------- history

  /**
   * Recovery: messages of `member` whose live copies never came, asked of
   * the author and two other members, verified, and applied like live ones
   * (the room's ordering delivers each at most once). Not passed on: every
   * member that misses a message asks for it itself. Asked again, a few
   * times, while the author has not answered (a loaded author answers late).
   */
  private async recover (room: Room, member: Member, seqs: bigint[], attempt = 1): Promise<void> {
    if (seqs.length === 0) return
    const session = member.session
    let authorAnswered = false
    if (this.recoveries >= MAX_RECOVERIES) {
      log('%s at %s: recovery of %d messages of %s put off: %d in flight', room.roomID, this.init.user.userID, seqs.length, member.userID, this.recoveries)
    } else {
      this.recoveries++
      try {
        const answer = await this.history.recover(room, peerIdFromString(member.peerId), seqs.map(seq => messageIDOf(member.from, session, seq)))
        authorAnswered = answer.authorAnswered
        if (this.rooms.get(room.roomID) !== room || !room.connected) return
        let delivered = 0
        for (const m of answer.messages.sort((a, b) => a.message.seq < b.message.seq ? -1 : a.message.seq > b.message.seq ? 1 : 0)) {
          // a member met late may have sent some of what we ask for before we joined: that is history, not live
          if (Number(m.message.timestamp) < room.joinedAt - MAX_SEND_SKEW_MS) continue
          if (room.applyRecovered(m.author, m.frame, m.message, m.envelope) === 'accept') delivered++
        }
        log('%s at %s: %d of %d missing messages of %s recovered (attempt %d)', room.roomID, this.init.user.userID, delivered, seqs.length, member.userID, attempt)
      } catch (err) {
        log('%s: recovery from %s failed: %e', room.roomID, member.userID, err)
      } finally {
        this.recoveries--
      }
    }
    // the author keeps all it sent (within its history bounds): if it answered, asking again brings nothing
    if (authorAnswered || attempt >= RECOVERY_ATTEMPTS) return
    this.after(Math.max(this.init.config.heartbeatInterval, this.init.config.reorderWindow), () => {
      if (this.rooms.get(room.roomID) !== room || !room.connected || room.members.get(member.userID) !== member || member.session !== session) return
      void this.recover(room, member, room.undelivered(member, seqs), attempt + 1)
    })
  }

  /** One page of a room's history: what we keep plus what a few connected members return. */
  async queryHistory (room: Room, page: HistoryPage): Promise<ZIMMessage[]> {
    return readHistory(this.history, room, page, { localUserID: this.init.user.userID })
  }

  /**
   * `historyOnJoin`: the newest messages of the room not delivered live,
   * delivered once as offline messages (none this session sent). A room
   * left meanwhile gets nothing.
   */
  private async catchUp (room: Room, guard: CatchUpGuard): Promise<void> {
    if (this.rooms.get(room.roomID) !== room || !room.connected) return
    const self = this.init.codec.self.peerIdBytes
    let recent: ZIMMessage[] = []
    try {
      recent = await readCatchUp(this.history, room, guard, this.init.config.historyOnJoin, {
        localUserID: this.init.user.userID,
        skip: (frame) => frame.session === room.session && Buffer.from(frame.from).equals(self)
      })
    } catch (err) {
      log('catching up on %s failed: %e', room.roomID, err)
    }
    const fresh = guard.takeOffline(recent)
    if (this.rooms.get(room.roomID) !== room || !room.connected || fresh.length === 0) return
    log('%s: %d messages from before the join', room.roomID, fresh.length)
    this.init.events.offlineMessages(room.roomID, fresh)
  }

  // ---------------------------------------------------------------- upkeep

  /**
   * A live JOIN of a peer that took its snapshot from us. A joiner publishes
   * its JOIN before its dials to the other members are up, so it reaches the
   * room through us, and a mesh of degree 3 takes up to three more hops to
   * pass it on; our direct links take it to every member in one.
   */
  private relayJoin (room: Room, author: string, envelope: Uint8Array): void {
    // only the member the joiner took its snapshot from: its way into the room (others it may reach
    // already would each send every member a copy). The copy we took may be one a member passed on,
    // ahead of the joiner's own (its stream to us still opening): the members past that one need it as much
    const key = `${room.roomID}\n${author}`
    const servedAt = this.snapshotsServed.get(key)
    if (servedAt == null) return
    this.snapshotsServed.delete(key)
    if (!room.connected || Date.now() - servedAt > this.init.config.joinTimeout) return
    // only with a link to every member: one that gets the JOIN on a link does not pass on the copy gossipsub
    // brings it (a duplicate), so a member we could not reach would hear the joiner only from its heartbeat
    const linked = this.linkedMembers(room, roomTopic(this.init.config.appID, room.roomID), author)
    if (linked == null) {
      log('%s: JOIN of %s not relayed: a member has no link from us yet, or a topic peer is no member we know', room.roomID, author)
      return
    }
    log('%s: JOIN of %s relayed to %d members', room.roomID, author, linked.length)
    const wire = encodeDirectFrame(room.roomID, { envelope })
    for (const peer of linked) this.links.send(peer, wire)
  }

  /** Notes that `peer` took a snapshot of `room` from us: it is joining through us (relayJoin). */
  private servedSnapshot (room: Room, peer: string): void {
    const key = `${room.roomID}\n${peer}`
    this.snapshotsServed.delete(key)
    this.snapshotsServed.set(key, Date.now())
    if (this.snapshotsServed.size > MAX_SNAPSHOTS_SERVED_TRACKED) {
      const oldest = this.snapshotsServed.keys().next().value
      if (oldest != null) this.snapshotsServed.delete(oldest)
    }
  }

  /**
   * Answers a JOIN (or a GONE about us) so its author hears from us. A
   * joiner publishes its JOIN while it still dials the members of a direct
   * room: an answer sent before it is our topic peer reaches it only if it
   * is in the mesh of a member that has it (a member whose mesh is full
   * turns its graft down). So once its subscription comes, if it comes
   * within ANSWER_AGAIN_MS, we hand it our answer again (answerAgain).
   */
  private answerJoin (room: Room, joiner: string): void {
    this.scheduleAnswer(room)
    const topic = roomTopic(this.init.config.appID, room.roomID)
    const limit = this.init.config.directRoomSize
    if (limit <= 0 || room.members.size > limit || this.pubsub.getSubscribers(topic).some(p => p.toString() === joiner)) return
    void this.waitForTopicPeer(topic, ANSWER_AGAIN_MS, 1, joiner).then(subscribed => { if (subscribed) this.answerAgain(room, joiner) })
  }

  /**
   * Our answer once more, to the joiner alone, on our direct link to it: the
   * rest of the room has it. An answer still waiting for its turn goes to
   * the joiner with the rest (it is our topic peer now); with no link to the
   * joiner, a fresh answer goes to everyone.
   */
  private answerAgain (room: Room, joiner: string): void {
    if (this.rooms.get(room.roomID) !== room || !room.connected || this.answerPending.has(room.roomID)) return
    const latest = room.latest
    if (latest == null) {
      this.scheduleAnswer(room)
      return
    }
    void this.links.sendOpening(joiner, encodeDirectFrame(room.roomID, { envelope: latest })).then(sent => {
      if (!sent) this.scheduleAnswer(room)
    })
  }

  private scheduleAnswer (room: Room): void {
    if (this.answerPending.has(room.roomID)) return
    this.answerPending.add(room.roomID)
    this.after(Math.random() * ANSWER_JITTER_MS, () => {
      this.answerPending.delete(room.roomID)
      if (this.rooms.get(room.roomID) !== room || !room.connected) return
      this.announce(room, Announcement.Kind.ANSWER).catch(err => { log('answer in %s failed: %e', room.roomID, err) })
    })
  }

  /**
   * Heartbeats from the JOIN on (a joiner still waiting for answers is
   * already a member to the others), until the room is left. Only a
   * connected room sweeps its members and keeps the record alive.
   */
  private startHeartbeat (room: Room): void {
    this.heartbeating.add(room)
    // members' silence is counted up to `heard`: the last beat before which our event loop had time to read
    let heard = Date.now()
    let busy = performance.eventLoopUtilization()
    const schedule = (): void => {
      const wait = this.jittered(this.init.config.heartbeatInterval)
      const due = Date.now() + wait
      this.after(wait, () => { beat(due) })
    }
    const beat = (due: number): void => {
      // stops when the room is left (not connected, not connecting), before its LEAVE could be followed by a beat
      if (this.rooms.get(room.roomID) !== room || !(room.connected || this.connecting.has(room.roomID))) return
      // a late timer means this process stalled: timers run before the frames that queued up meanwhile
      // are read, so the stall does not count as members' silence
      const now = Math.min(Date.now(), due)
      // nor does a beat's worth of a saturated loop, whose timers may run on time while frames wait unread
      // (validations queued behind a 50-member start): for one memberTimeout at most, so a member that did
      // fall silent is still found gone under a load that does not end
      const saturated = saturatedSince(busy)
      busy = performance.eventLoopUtilization()
      heard = saturated ? Math.max(heard, now - this.init.config.memberTimeout) : now
      if (room.connected) {
        room.sweep(heard)
        this.redialLost(room)
        this.connectMembers(room)
        // the saturated time the sweep does not count does not count here either
        this.resetMembersOffTopic(room, heard)
      }
      this.announce(room, Announcement.Kind.HEARTBEAT).catch(err => { log('heartbeat in %s failed: %e', room.roomID, err) })
      if (room.connected) this.maybeRefreshRecord(room)
      this.pruneLinks()
      schedule()
    }
    schedule()
  }

  private jittered (ms: number): number {
    return ms * (0.9 + Math.random() * 0.2)
  }

  /**
   * One member keeps the registry record alive: the one with the smallest
   * peer id, so members agree without talking about it.
   */
  private maybeRefreshRecord (room: Room, immediately = false): void {
    const now = Date.now()
    const designated = [...room.members.values()].every(m => m.peerId > this.selfId)
    const due = immediately || (room.lastRefresh ?? 0) + this.init.config.recordRefreshInterval <= now
    if (!designated || !due) return
    if (this.refreshing.has(room.roomID)) return
    room.lastRefresh = now
    this.refreshing.add(room.roomID)
    void this.refreshRecord(room).finally(() => this.refreshing.delete(room.roomID))
  }

  private async refreshRecord (room: Room): Promise<void> {
    const best = (await this.init.registry.lookup(room.roomID)).record
    if (this.rooms.get(room.roomID) !== room || !room.connected) return
    if (best != null && isLive(best) && room.generation != null && compareGenerations(best.generation, room.generation) < 0) {
      await this.loseRoom(room, best.generation)
      return
    }
    await this.publishRecord(room, false)
  }

  private async publishRecord (room: Room, vacant: boolean): Promise<void> {
    if (room.creation == null) return
    const stored = await this.putRecord(room, vacant)
    if (stored === 0 && !vacant && this.hasDHTPeers()) {
      // the peers we know were not ready to store it (still identifying): try again shortly
      this.retryPublish(room, REPUBLISH_RETRY_MS)
    }
  }

  private hasDHTPeers (): boolean {
    const table = (this.init.node.services.dht as { routingTable?: { size: number } }).routingTable
    return (table?.size ?? 0) > 0
  }

  private retryPublish (room: Room, wait: number): void {
    this.after(wait, () => {
      if (this.rooms.get(room.roomID) !== room || !room.connected) return
      void this.putRecord(room, false).then(stored => {
        if (stored === 0 && wait < REPUBLISH_RETRY_MAX_MS) this.retryPublish(room, wait * 2)
      })
    })
  }

  private async putRecord (room: Room, vacant: boolean): Promise<number> {
    if (room.creation == null) return 0
    const now = Date.now()
    const expiresAt = vacant
      ? now + room.destroyDelay * 1000
      : now + this.init.config.recordTTL + room.destroyDelay * 1000
    const record = await sealRecord(this.init.codec, room.creation, {
      updatedAt: now,
      expiresAt,
      vacant,
      addrs: vacant ? [] : this.init.node.getMultiaddrs().slice(0, MAX_ANNOUNCED_ADDRS)
    })
    return this.init.registry.publish(room.roomID, record)
  }

  /**
   * Connects to a few members picked at random while we join (the JOIN goes
   * out meanwhile if a member is already our topic peer), so the joiner is
   * part of the room's mesh through several peers, not only through whichever
   * peer it happened to reach first (a hub prunes its mesh down to
   * gossipsub's D and would cut the joiner off). Random picks keep early
   * members from becoming hubs. Waits, bounded, for the dials and for their
   * subscriptions to be known. (In a room of up to directRoomSize members,
   * connectMembers dials the rest afterwards without holding up the join.)
   */
  private async strengthen (room: Room): Promise<void> {
    const target = this.init.config.roomPeerTarget
    if (target <= 0) return
    const connected = new Set(this.init.node.getPeers().map(p => p.toString()))
    const members = [...room.members.values()]
    let have = members.filter(m => connected.has(m.peerId)).length
    const candidates = members.filter(m => !connected.has(m.peerId) && m.addrs.length > 0)
    for (let i = candidates.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1))
      ;[candidates[i], candidates[j]] = [candidates[j], candidates[i]]
    }
    const dials: Array<Promise<unknown>> = []
    for (const member of candidates) {
      if (have >= target) break
      have++
      const addrs = member.addrs.flatMap(a => { try { return [multiaddr(a)] } catch { return [] } })
      dials.push(this.init.node.dial(addrs, { signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(STRENGTHEN_TIMEOUT_MS)]) })
        .catch(err => { log('could not connect to member %s: %e', member.userID, err) }))
    }
    if (dials.length === 0) return
    await Promise.all(dials)
    const topic = roomTopic(this.init.config.appID, room.roomID)
    const wanted = Math.min(target, members.length)
    const deadline = Date.now() + STRENGTHEN_TIMEOUT_MS
    while (this.pubsub.getSubscribers(topic).length < wanted && Date.now() < deadline && !this.stopped) {
      await this.waitForTopicPeer(topic, Math.max(1, deadline - Date.now()), this.pubsub.getSubscribers(topic).length + 1)
    }
  }

  /**
   * In a room of up to directRoomSize members, dials the members we are not
   * connected to (a few at a time; a failed one is left a while), so every
   * member ends up connected to every other and frames go out direct with
   * nobody unreached: one hop from the author, no forwarded copies. A joiner dials everyone
   * it knows; members it does not know reach it by dialling in turn.
   */
  private connectMembers (room: Room, now = Date.now()): void {
    const limit = this.init.config.directRoomSize
    if (limit <= 0 || room.members.size > limit || this.stopped) return
    let started = [...this.directDials].filter(k => k.startsWith(`${room.roomID}\n`)).length
    for (const member of room.members.values()) {
      if (started >= DIRECT_DIALS_AT_ONCE) return
      if (member.peerId === this.selfId || member.addrs.length === 0) continue
      const key = `${room.roomID}\n${member.peerId}`
      if (this.directDials.has(key) || (this.directFailures.get(key) ?? 0) > now) continue
      if (this.init.node.getConnections(peerIdFromString(member.peerId)).length > 0) {
        // opened before the room's first chat message needs it, so the link can carry a JOIN on (relayJoin)
        this.links.ready(member.peerId)
        continue
      }
      const addrs = member.addrs.flatMap(a => { try { return [multiaddr(a)] } catch { return [] } })
      if (addrs.length === 0) continue
      started++
      this.directDials.add(key)
      this.init.node.dial(addrs, { signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(DIRECT_DIAL_TIMEOUT_MS)]) })
        .then(() => { this.directFailures.delete(key) }, err => {
          log('could not connect directly to member %s of %s: %e', member.userID, room.roomID, err)
          this.directFailures.delete(key)
          this.directFailures.set(key, Date.now() + DIRECT_RETRY_MS)
          if (this.directFailures.size > MAX_DIRECT_FAILURES) {
            const oldest = this.directFailures.keys().next().value
            if (oldest != null) this.directFailures.delete(oldest)
          }
        })
        .finally(() => {
          this.directDials.delete(key)
          // the next of a big room's members, without waiting for a heartbeat
          if (this.rooms.get(room.roomID) === room) this.connectMembers(room)
        })
    }
  }

  /**
   * A record published while we had few or no DHT peers sits only on our
   * node; when a new peer enters the routing table, the designated refresher
   * republishes so the record moves to the closest peers (Kademlia's hand-over).
   */
  private readonly onRoutingPeer = (): void => {
    if (this.republishPending) return
    this.republishPending = true
    this.after(REPUBLISH_DEBOUNCE_MS, () => {
      this.republishPending = false
      for (const room of this.rooms.values()) {
        if (room.connected) this.maybeRefreshRecord(room, true)
      }
    })
  }

  private readonly onSubscriptionChange = (evt: CustomEvent<SubscriptionChangeData>): void => {
    const peer = evt.detail.peerId.toString()
    for (const sub of evt.detail.subscriptions) {
      if (sub.subscribe) continue
      for (const room of this.rooms.values()) {
        if (roomTopic(this.init.config.appID, room.roomID) === sub.topic) this.lostPeer(room, peer)
      }
    }
  }

  private readonly onPeerDisconnect = (evt: CustomEvent<PeerId>): void => {
    const peer = evt.detail.toString()
    for (const room of this.rooms.values()) this.lostPeer(room, peer)
  }

  /**
   * A direct neighbour's connection or subscription went away. A stopped
   * peer refuses a dial at once, a live one (a pruned connection) takes it:
   * the check decides, so a live member does not flap left and back.
   */
  private lostPeer (room: Room, peer: string): void {
    for (const member of [...room.members.values()]) {
      if (member.peerId === peer) this.checkMember(room, member, true)
    }
  }

  /**
   * Checks a member: a dial succeeds if it is alive (a closed peer refuses at
   * once, a silent one times out). Only the check's own result removes the
   * member, so a lying GONE notice costs one dial. A member we saw go tells
   * the room (GONE), so members not connected to it check it too instead of
   * waiting for the heartbeat expiry.
   */
  private checkMember (room: Room, member: Member, tellRoom = false): void {
    const key = `${room.roomID}\n${member.userID}`
    if (this.checking.has(key)) return
    if (!tellRoom && this.init.node.getConnections().some(c => c.remotePeer.toString() === member.peerId)) return
    // notices from others (GONE, a second key for the user) check a member at most once a heartbeat
    const now = Date.now()
    if (!tellRoom && member.checkedAt != null && now - member.checkedAt < this.init.config.heartbeatInterval) return
    member.checkedAt = now
    const addrs = member.addrs.flatMap(a => { try { return [multiaddr(a)] } catch { return [] } })
    this.checking.add(key)
    const timeout = Math.max(100, Math.min(MEMBER_CHECK_TIMEOUT_MS, this.init.config.memberTimeout / 2))
    const attempt = (): void => {
      const startedAt = Date.now()
      const busy = performance.eventLoopUtilization()
      const check = addrs.length === 0
        ? Promise.reject(new Error('no address'))
        : this.init.node.dial(addrs, { signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(timeout)]) })
      check.then(() => {
        log('%s in %s is alive after all', member.userID, room.roomID)
        this.checking.delete(key)
      }, () => {
        if (this.rooms.get(room.roomID) !== room || room.members.get(member.userID) !== member) {
          this.checking.delete(key)
          return
        }
        // a dial that ran out its deadline while our own event loop had no time to read its handshake says
        // nothing of the member (a loaded node took live members for gone, by the dozen): dial again, while
        // the member would still count as present anyway. A refused dial fails at once and is believed.
        const stalled = Date.now() - startedAt >= timeout * 0.9 && saturatedSince(busy)
        if (stalled && !this.stopped && Date.now() - now + timeout <= this.init.config.memberTimeout) {
          log('%s in %s: check timed out while this process was stalled: checking again', member.userID, room.roomID)
          attempt()
          return
        }
        this.checking.delete(key)
        log('%s in %s did not answer a check (%s): gone', member.userID, room.roomID, tellRoom ? 'our connection closed' : 'a notice')
        room.removeMembers([member])
        if (tellRoom && room.connected) {
          this.announce(room, Announcement.Kind.GONE, member).catch(err => { log('gone notice in %s failed: %e', room.roomID, err) })
        }
      })
    }
    attempt()
  }

  /**
   * Members that vanished without leaving are dialled again, with backoff, for
   * a while: after a partition heals, the connection lets their heartbeats
   * (and ours) through again and membership converges on both sides.
   */
  private redialLost (room: Room, now = Date.now()): void {
    for (const lost of room.lost.values()) {
      if (lost.nextTry > now || lost.reachable === true) continue
      lost.wait = Math.min(lost.wait * 2, this.init.config.memberTimeout * 2)
      lost.nextTry = now + lost.wait
      this.redial(room, lost, lost.addrs)
    }
  }

  /** Dials a lost member; once a dial reaches it, its announcements count again. */
  private redial (room: Room, lost: LostMember, addrs: Uint8Array[]): void {
    const key = `${room.roomID}\n${lost.peerId}`
    if (this.checking.has(key)) return
    this.checking.add(key)
    const targets = [...addrs, ...lost.addrs].flatMap(a => { try { return [multiaddr(a)] } catch { return [] } })
    this.init.node.dial(targets, { signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(MEMBER_CHECK_TIMEOUT_MS)]) })
      .then(() => {
        log('reached lost member %s of %s again', lost.peerId, room.roomID)
        lost.reachable = true
        // what it announced while we could not believe it counts now: it and the frames held for it need not wait a heartbeat
        const heard = lost.heard
        lost.heard = undefined
        if (heard != null && this.rooms.get(room.roomID) === room && room.connected) void this.gate.admit(room, heard.raw)
        // a new connection's subscriptions take a moment to come
        if (lost.reset !== true) this.after(Math.max(this.init.config.heartbeatInterval, MEMBER_CHECK_TIMEOUT_MS), () => { this.resetIfTopicMissing(room, lost) })
      }, err => { log('could not reach lost member %s of %s at %d addresses: %e', lost.peerId, room.roomID, targets.length, err) })
      .finally(() => this.checking.delete(key))
  }

  /**
   * A lost member we reached again, connected to us, that gossipsub still
   * does not show on the room's topic: gossipsub holds a stream to it that
   * its connection took down without telling it (seen at 50 members in one
   * process, after a loaded node's connections churned). It creates no new
   * stream while it holds one, so our subscription never reaches the peer
   * and what we publish goes nowhere, and the peer's side looks sound to it:
   * each takes the other for gone, for good, and no dial mends it (the
   * connection is up). Our connections to it are closed once, which clears
   * gossipsub's state at both ends; the next redial starts afresh.
   */
  private resetIfTopicMissing (room: Room, lost: LostMember): void {
    if (this.rooms.get(room.roomID) !== room || !room.connected || room.lost.get(lost.peerId) !== lost || lost.reachable !== true || lost.reset === true) return
    const peer = peerIdFromString(lost.peerId)
    if (this.init.node.getConnections(peer).length === 0) return
    if (this.pubsub.getSubscribers(roomTopic(this.init.config.appID, room.roomID)).some(p => p.equals(peer))) return
    log('%s at %s: lost member %s is reached but not on the topic: closing our connections to it once', room.roomID, this.init.user.userID, lost.peerId)
    lost.reset = true
    // believed again only once a dial after the reset reaches it
    lost.reachable = false
    lost.nextTry = Date.now() + this.init.config.heartbeatInterval
    this.init.node.hangUp(peer).catch(err => { log('closing connections to %s failed: %e', lost.peerId, err) })
  }

  /**
   * The same state seen before a member is taken for gone: in a direct room
   * every member is connected to every other, and a member connected to us
   * that gossipsub has not shown on the room's topic, and that we have not
   * heard, for a while (half a memberTimeout, two heartbeats, 2 s at least)
   * is on its way to the sweep at memberTimeout. Our connections to it are
   * closed once per member entry, before that: the redial of connectMembers
   * opens a fresh one. One that is only slow to show on the topic, but heard
   * (others forward what it says), is left alone.
   */
  private resetMembersOffTopic (room: Room, now = Date.now()): void {
    const limit = this.init.config.directRoomSize
    if (limit <= 0 || room.members.size > limit) return
    const after = Math.max(this.init.config.memberTimeout / 2, this.init.config.heartbeatInterval * 2, OFF_TOPIC_RESET_MIN_MS)
    const onTopic = new Set(this.pubsub.getSubscribers(roomTopic(this.init.config.appID, room.roomID)).map(p => p.toString()))
    for (const member of room.members.values()) {
      if (member.peerId === this.selfId) continue
      if (onTopic.has(member.peerId)) {
        member.offTopicSince = undefined
        continue
      }
      const peer = peerIdFromString(member.peerId)
      if (this.init.node.getConnections(peer).length === 0) {
        member.offTopicSince = undefined
        continue
      }
      member.offTopicSince ??= now
      if (now - member.offTopicSince < after || now - member.lastSeen < after || member.offTopicReset === true) continue
      log('%s at %s: member %s is connected but not on the topic for %d ms, not heard for %d ms: closing our connections to it once', room.roomID, this.init.user.userID, member.userID, now - member.offTopicSince, now - member.lastSeen)
      member.offTopicReset = true
      member.offTopicSince = undefined
      this.init.node.hangUp(peer).catch(err => { log('closing connections to %s failed: %e', member.peerId, err) })
    }
  }

  // ---------------------------------------------------------------- leaving

  /** Our lifetime of the room lost a creation race: tell the app and leave, so the room is not split. */
  private async loseRoom (room: Room, winner: GenerationID): Promise<void> {
    if (this.rooms.get(room.roomID) !== room || !room.connected) return
    // several frames of the winner may arrive while we leave: leave once
    room.connected = false
    log('room %s: an earlier lifetime (created %d) wins; leaving ours', room.roomID, winner.createdAt)
    const wasCreator = room.generation?.creatorBytes != null && Buffer.from(room.generation.creatorBytes).equals(this.init.codec.self.peerIdBytes)
    try {
      await this.announce(room, Announcement.Kind.LEAVE)
    } catch (err) {
      log('leave of lost room %s failed: %e', room.roomID, err)
    }
    this.detach(room)
    this.init.events.roomState(room.roomID, ZIMRoomState.Disconnected, wasCreator ? ZIMRoomEvent.CreateFailed : ZIMRoomEvent.RoomNotExist,
      JSON.stringify({ reason: 'an earlier room with this ID won' }))
  }

  /** Leaves with a signed LEAVE; `event` is what roomStateChanged reports (ActiveSwitch when switching rooms). */
  async leave (roomID: string, event = ZIMRoomEvent.Success): Promise<void> {
    const room = this.room(roomID)
    if (room == null) {
      throw zimError(ZIMErrorCode.RoomModuleUserIsNotInTheRoom, `not in room ${roomID}`)
    }
    const last = room.members.size === 0
    // from the call on, the app hears nothing more from this room
    room.connected = false
    try {
      // members may hand on what we said after we go: they need its signatures first
      await this.sealer.flush(room)
    } catch (err) {
      log('sealing our messages in %s failed: %e', roomID, err)
    }
    try {
      await this.announce(room, Announcement.Kind.LEAVE)
    } catch (err) {
      // the others will see us go by expiry; the leave itself goes on
      log('leave notice in %s failed: %e', roomID, err)
    }
    // detach first: a refresh still in flight must not seal a record newer than the vacant one
    this.detach(room)
    try {
      if (last) await this.putRecord(room, true)
    } finally {
      this.init.events.roomState(roomID, ZIMRoomState.Disconnected, event)
    }
  }

  async leaveAll (): Promise<string[]> {
    const ids = this.joinedRoomIDs()
    await Promise.all(ids.map(async id => this.leave(id).catch(err => { log.error('leaving %s failed: %e', id, err) })))
    return ids
  }

  private detach (room: Room): void {
    this.catchUps.delete(room)
    room.close()
    if (this.rooms.get(room.roomID) === room) {
      this.rooms.delete(room.roomID)
      const topic = roomTopic(this.init.config.appID, room.roomID)
      this.pubsub.unsubscribe(topic)
      this.pubsub.topicValidators.delete(topic)
      this.pruneLinks()
    }
  }

  /** Closes direct links to peers that are members of none of our rooms (left, gone, or we left). */
  private pruneLinks (): void {
    const members = new Set<string>()
    for (const room of this.rooms.values()) {
      for (const member of room.members.values()) members.add(member.peerId)
    }
    this.links.retain(members)
  }
}
