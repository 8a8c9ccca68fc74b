/**
 * Shared test helpers: start real roomsub peers on 127.0.0.1 (port 0) in
 * a chosen topology, record every event each one sees, and wait for
 * conditions with a deadline (never a fixed sleep).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { gossipsub, StrictNoSign } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import type { Libp2pOptions } from 'libp2p'
import { ZIM, roomsubServices } from '../src/index.js'
import { registryKey } from '../src/registry/record.js'
import { EnvelopeCodec } from '../src/wire/envelope.js'
import { AuthorCache, createSigner } from '../src/wire/keys.js'
import { Announcement, DirectFrame, Envelope, Frame, HistoryRequest, HistoryResponse } from '../src/wire/roomsub.js'
import { directProtocol, historyProtocol } from '../src/rooms/topics.js'
import { nextDirectFrame } from '../src/rooms/direct-links.js'
import { Uint8ArrayList } from 'uint8arraylist'
import type { AttributeUpdate } from '../src/wire/roomsub.js'
import type { RoomCallbacks } from '../src/rooms/room.js'
import type {
  RoomsubConfig, RoomsubNode, ZIMMessage, ZIMUserInfo, ZIMEventOfRoomStateChangedResult, ZIMEventOfConnectionStateChangedResult,
  ZIMEventOfRoomAttributesUpdatedResult, ZIMEventOfRoomMembersAttributesUpdatedResult
} from '../src/index.js'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface'

let nextAppID = 1000 + Math.floor(Math.random() * 100000)

/** A fresh appID per test keeps tests from ever seeing each other's rooms. */
export function freshAppID (): number {
  return nextAppID++
}

/** Short timings so membership tests finish in seconds. */
export const FAST: Partial<RoomsubConfig> = {
  listen: ['/ip4/127.0.0.1/tcp/0'],
  heartbeatInterval: 250,
  memberTimeout: 1000,
  registryTimeout: 2000,
  joinTimeout: 3000,
  loginTimeout: 5000,
  reorderWindow: 300
}

export interface MemberEvent { roomID: string, memberList: ZIMUserInfo[] }

export class EventLog {
  readonly joined: MemberEvent[] = []
  readonly left: MemberEvent[] = []
  /** live messages (roomMessageReceived with isOfflineMessage false) */
  readonly messages: ZIMMessage[] = []
  /** messages from before a join (roomMessageReceived with isOfflineMessage true: the historyOnJoin catch-up), one batch per event */
  readonly offlineBatches: ZIMMessage[][] = []
  readonly olderMessages: ZIMMessage[] = []
  readonly roomStates: ZIMEventOfRoomStateChangedResult[] = []
  readonly connectionStates: ZIMEventOfConnectionStateChangedResult[] = []
  readonly attributeUpdates: ZIMEventOfRoomAttributesUpdatedResult[] = []
  readonly attributeBatches: ZIMEventOfRoomAttributesUpdatedResult[] = []
  readonly memberAttributeUpdates: ZIMEventOfRoomMembersAttributesUpdatedResult[] = []
  private readonly waiters = new Set<() => void>()

  constructor (zim: ZIM) {
    zim.on('roomMemberJoined', (_z, data) => { this.joined.push(data); this.changed() })
    zim.on('roomMemberLeft', (_z, data) => { this.left.push(data); this.changed() })
    zim.on('roomMessageReceived', (_z, data) => {
      if (data.info.isOfflineMessage) this.offlineBatches.push(data.messageList)
      else this.messages.push(...data.messageList)
      this.changed()
    })
    zim.on('receiveRoomMessage', (_z, data) => { this.olderMessages.push(...data.messageList); this.changed() })
    zim.on('roomStateChanged', (_z, data) => { this.roomStates.push(data); this.changed() })
    zim.on('connectionStateChanged', (_z, data) => { this.connectionStates.push(data); this.changed() })
    zim.on('roomAttributesUpdated', (_z, data) => { this.attributeUpdates.push(data); this.changed() })
    zim.on('roomAttributesBatchUpdated', (_z, data) => { this.attributeBatches.push(data); this.changed() })
    zim.on('roomMemberAttributesUpdated', (_z, data) => { this.memberAttributeUpdates.push(data); this.changed() })
  }

  /** A room's attributes as this member's events built them up, from `start` (what it had when it joined). */
  attributesFromEvents (roomID: string, start: Record<string, string> = {}): Record<string, string> {
    const attrs = { ...start }
    for (const info of [...this.attributeUpdates, ...this.attributeBatches].filter(e => e.roomID === roomID).flatMap(e => e.infos)) {
      for (const [key, value] of Object.entries(info.roomAttributes)) {
        if (info.action === 0) attrs[key] = value
        else delete attrs[key]
      }
    }
    return attrs
  }

  private changed (): void {
    for (const waiter of [...this.waiters]) waiter()
  }

  /** users reported joined in a room, in order, flattened */
  joinedUsers (roomID: string): string[] {
    return this.joined.filter(e => e.roomID === roomID).flatMap(e => e.memberList.map(u => u.userID))
  }

  leftUsers (roomID: string): string[] {
    return this.left.filter(e => e.roomID === roomID).flatMap(e => e.memberList.map(u => u.userID))
  }

  textsFrom (senderUserID: string): string[] {
    return this.messages.filter(m => m.senderUserID === senderUserID).map(m => (m as ZIMMessage & { message: string }).message)
  }

  /** Resolves when `check` holds, re-checked on every event and every 50 ms; rejects after `timeout` ms. */
  async waitFor (what: string, check: () => boolean, timeout = 10_000): Promise<void> {
    await waitUntil(what, check, timeout, this.waiters)
  }
}

export async function waitUntil (what: string, check: () => boolean, timeout = 10_000, waiters?: Set<() => void>): Promise<void> {
  if (check()) return
  await new Promise<void>((resolve, reject) => {
    const started = Date.now()
    const test = (): void => {
      if (check()) {
        finish()
        resolve()
      } else if (Date.now() - started > timeout) {
        finish()
        reject(new Error(`timed out after ${timeout} ms waiting for: ${what}`))
      }
    }
    const poll = setInterval(test, 50)
    const finish = (): void => {
      clearInterval(poll)
      waiters?.delete(test)
    }
    waiters?.add(test)
  })
}

/** Resolves when the async `check` holds, tried every 100 ms; rejects after `timeout` ms (a query that must settle, not a sleep). */
export async function eventually (what: string, check: () => Promise<boolean>, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for: ${what}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

/**
 * Pages through a room's history with ZIM's paging: `reverse` true from the
 * newest (next page from the first message), false from the oldest (next
 * page from the last), `count` at a time, until a page comes back empty.
 * Returns the pages as they came.
 */
export async function pageThroughHistory (peer: Peer, roomID: string, reverse: boolean, count: number, maxPages = 100): Promise<ZIMMessage[][]> {
  const pages: ZIMMessage[][] = []
  let nextMessage: ZIMMessage | undefined
  for (let i = 0; i < maxPages; i++) {
    const { messageList } = await peer.zim.queryHistoryMessage(roomID, 1, { nextMessage, count, reverse })
    if (messageList.length === 0) return pages
    pages.push(messageList)
    nextMessage = reverse ? messageList[0] : messageList[messageList.length - 1]
  }
  throw new Error(`history of ${roomID} did not end within ${maxPages} pages`)
}

export interface Peer {
  appID: number
  zim: ZIM
  userID: string
  events: EventLog
  node: RoomsubNode
  peerId: PeerId
  addr: string
}

/** star: everyone bootstraps to peer 0; chain: peer i to peer i-1; none: only to `config.bootstrap`, if given */
export type Topology = 'star' | 'chain' | 'none'

export interface StartOptions {
  appID?: number
  topology?: Topology
  config?: Partial<RoomsubConfig>
  /** user IDs; default u0, u1, ... */
  userIDs?: string[]
}

/** Starts one peer: a ZIM instance logged in on its own node. */
export async function startPeer (userID: string, config: RoomsubConfig): Promise<Peer> {
  const zim = ZIM.create(config)
  const events = new EventLog(zim)
  await zim.login(userID, { userName: `name-${userID}`, token: '' })
  const node = zim.libp2p
  if (node == null) throw new Error('no node after login')
  const addr = node.getMultiaddrs()[0].toString()
  return { appID: config.appID, zim, userID, events, node, peerId: node.peerId, addr }
}

/** Starts `n` peers one after another, so each bootstrap address exists when it is dialled. */
export async function startPeers (n: number, options: StartOptions = {}): Promise<Peer[]> {
  const appID = options.appID ?? freshAppID()
  const topology = options.topology ?? 'star'
  const peers: Peer[] = []
  for (let i = 0; i < n; i++) {
    const userID = options.userIDs?.[i] ?? `u${i}`
    let bootstrap: string[] = options.config?.bootstrap ?? []
    if (i > 0 && topology === 'star') bootstrap = [peers[0].addr]
    if (i > 0 && topology === 'chain') bootstrap = [peers[i - 1].addr]
    peers.push(await startPeer(userID, { appID, ...FAST, ...options.config, bootstrap }))
  }
  return peers
}

/** The transport half of every node a test builds itself: TCP on 127.0.0.1 (port 0), Noise, Yamux. */
function loopbackTransports (): Pick<Libp2pOptions, 'addresses' | 'transports' | 'connectionEncrypters' | 'streamMuxers'> {
  return { addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] }
}

/**
 * A peer on an app-built libp2p node whose connection gater asks
 * `allow(peerId)` before every connection, in or out: tests shape (and cut)
 * the network with it. A promise holds the connection until it settles.
 */
export async function startGatedPeer (userID: string, key: PrivateKey, allow: (peer: string) => boolean | Promise<boolean>, config: RoomsubConfig): Promise<Peer> {
  const deny = async (peerId: PeerId): Promise<boolean> => !(await allow(peerId.toString()))
  const node = await createLibp2p({
    privateKey: key,
    ...loopbackTransports(),
    connectionGater: {
      denyDialPeer: deny,
      denyInboundEncryptedConnection: deny,
      denyOutboundEncryptedConnection: deny,
      denyInboundUpgradedConnection: deny,
      denyOutboundUpgradedConnection: deny
    },
    services: { identify: identify(), ping: ping(), ...roomsubServices(config.appID) }
  }) as unknown as RoomsubNode
  // a connection whose handshake was under way when the rules changed is closed as soon as it opens
  node.addEventListener('connection:open', (evt) => {
    void deny(evt.detail.remotePeer).then(denied => { if (denied) void evt.detail.close().catch(err => { evt.detail.abort(err) }) })
  })
  const zim = ZIM.create({ ...config, libp2p: node, privateKey: key })
  const events = new EventLog(zim)
  await zim.login(userID, { userName: `name-${userID}` })
  return { appID: config.appID, zim, userID, events, node, peerId: node.peerId, addr: node.getMultiaddrs()[0].toString() }
}

async function newKeys (n: number): Promise<{ keys: PrivateKey[], ids: string[] }> {
  const keys = await Promise.all(Array.from({ length: n }, async () => generateKeyPair('Ed25519')))
  return { keys, ids: keys.map(k => peerIdFromPrivateKey(k).toString()) }
}

/**
 * Peers whose gaters only let neighbours in a line connect: 0-1-2-...-n.
 * Nothing else can ever dial, so frames between ends must be relayed by the
 * peers in between.
 */
export async function startLine (n: number, options: StartOptions = {}): Promise<Peer[]> {
  const appID = options.appID ?? freshAppID()
  const { keys, ids } = await newKeys(n)
  const peers: Peer[] = []
  for (let i = 0; i < n; i++) {
    const neighbours = new Set([ids[i - 1], ids[i + 1]].filter(id => id != null))
    const bootstrap = i > 0 ? [peers[i - 1].addr] : []
    const userID = options.userIDs?.[i] ?? `u${i}`
    peers.push(await startGatedPeer(userID, keys[i], peer => neighbours.has(peer), { appID, ...FAST, roomPeerTarget: 0, ...options.config, bootstrap }))
  }
  return peers
}

export interface Partition {
  sides: [Peer[], Peer[]]
  all: Peer[]
  /** refuses every connection between the sides and closes the open ones */
  cut(): Promise<void>
  /** lets connections between the sides happen again; nobody is told, peers find each other */
  heal(): void
}

/**
 * Two groups of peers (users a0.., b0..) that can be cut apart and healed.
 * Each side bootstraps to its first peer, and b0 also to a0, so each side
 * stays connected within itself while cut.
 */
export async function startPartition (sizes: [number, number], options: StartOptions = {}): Promise<Partition> {
  const appID = options.appID ?? freshAppID()
  const { keys, ids } = await newKeys(sizes[0] + sizes[1])
  const sideOf = new Map(ids.map((id, i) => [id, i < sizes[0] ? 0 : 1]))
  let isCut = false
  const all: Peer[] = []
  for (let i = 0; i < ids.length; i++) {
    const side = i < sizes[0] ? 0 : 1
    const userID = side === 0 ? `a${i}` : `b${i - sizes[0]}`
    const bootstrap = i === 0 ? [] : side === 0 || i === sizes[0] ? [all[0].addr] : [all[0].addr, all[sizes[0]].addr]
    const allow = (peer: string): boolean => !isCut || sideOf.get(peer) === side || !sideOf.has(peer)
    all.push(await startGatedPeer(userID, keys[i], allow, { appID, ...FAST, ...options.config, bootstrap }))
  }
  return {
    all,
    sides: [all.slice(0, sizes[0]), all.slice(sizes[0])],
    cut: async () => {
      isCut = true
      await Promise.all(all.flatMap(p => p.node.getConnections()
        .filter(c => sideOf.get(c.remotePeer.toString()) !== sideOf.get(p.peerId.toString()))
        .map(async c => c.close().catch(err => { c.abort(err) }))))
    },
    heal: () => { isCut = false }
  }
}

/** Logs every peer out and stops app-built nodes; a test's `after` hook. */
export async function stopPeers (peers: Peer[]): Promise<void> {
  await Promise.all(peers.map(async p => {
    await p.zim.destroy()
    // roomsub stops the nodes it built; app-built nodes (startLine) are stopped here. Stopping twice is harmless.
    await p.node.stop()
  }))
}

/**
 * Waits until `peer`'s DHT lookup finds the room's registry record: the
 * precondition "the network knows the room" for peers that arrive later.
 * With `stored`, the record must be in `peer`'s own store (so peers that
 * only reach the network through `peer` find it too).
 */
export async function waitForRecordAt (peer: Peer, appID: number, roomID: string, options: { stored?: boolean, timeout?: number } = {}): Promise<void> {
  const timeout = options.timeout ?? 5000
  const deadline = Date.now() + timeout
  while (Date.now() < deadline) {
    try {
      for await (const event of peer.node.services.dht.get(registryKey(appID, roomID), { signal: AbortSignal.timeout(500) })) {
        if (event.name === 'VALUE' && (options.stored !== true || event.from.equals(peer.peerId))) return
      }
    } catch {}
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${peer.userID} to ${options.stored === true ? 'store' : 'find'} the record of ${roomID}`)
}

export function text (message: string): { type: 1, message: string } {
  return { type: 1, message }
}

/** Asserts a promise rejects with a ZIMError of the given code; returns the error. */
export async function rejectsWith (promise: Promise<unknown>, code: number): Promise<Error & { code: number }> {
  try {
    await promise
  } catch (err) {
    const e = err as Error & { code: number }
    if (e.code !== code) {
      throw new Error(`expected ZIMError ${code}, got ${String(e.code)}: ${e.message}`)
    }
    return e
  }
  throw new Error(`expected ZIMError ${code}, but it resolved`)
}

export interface ChildPeer {
  child: import('node:child_process').ChildProcess
  addr: string
  userID: string
  /** what the child reported: users joined and left, messages received */
  joined: string[]
  left: string[]
  messages: Array<{ from: string, text: string }>
  kill(signal?: NodeJS.Signals): void
  send(text: string): void
  waitFor(what: string, check: () => boolean, timeout?: number): Promise<void>
}

/** Starts a roomsub peer in a child process that enters `roomID`; resolves when it is in the room. */
export async function spawnPeer (config: RoomsubConfig, userID: string, roomID: string, timeout = 15_000): Promise<ChildPeer> {
  const { spawn } = await import('node:child_process')
  const { fileURLToPath } = await import('node:url')
  const script = fileURLToPath(new URL('./fixtures/peer-process.js', import.meta.url))
  const child = spawn(process.execPath, [script, JSON.stringify(config), userID, roomID], { stdio: ['pipe', 'pipe', 'inherit'] })
  const waiters = new Set<() => void>()
  const peer: ChildPeer = {
    child,
    addr: '',
    userID,
    joined: [],
    left: [],
    messages: [],
    kill: (signal = 'SIGKILL') => { child.kill(signal) },
    send: (text) => { child.stdin?.write(JSON.stringify({ send: text }) + '\n') },
    waitFor: async (what, check, wait = 10_000) => { await waitUntil(`${userID}: ${what}`, check, wait, waiters) }
  }
  let buffered = ''
  let ready: (addr: string) => void = () => {}
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    for (const line of lines) {
      const event = JSON.parse(line) as { ready?: boolean, addr?: string, joined?: string[], left?: string[], message?: { from: string, text: string } }
      if (event.ready === true) ready(event.addr ?? '')
      if (event.joined != null) peer.joined.push(...event.joined)
      if (event.left != null) peer.left.push(...event.left)
      if (event.message != null) peer.messages.push(event.message)
    }
    for (const waiter of [...waiters]) waiter()
  })
  peer.addr = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${userID} did not enter ${roomID} in ${timeout} ms`)) }, timeout)
    ready = (addr) => { clearTimeout(timer); resolve(addr) }
    child.on('exit', code => { clearTimeout(timer); reject(new Error(`${userID} exited with ${String(code)} before entering`)) })
  })
  return peer
}

export interface Attacker { node: Libp2p<{ pubsub: GossipSub }>, key: PrivateKey }

/** A raw gossipsub node on the room topic that publishes whatever bytes the test makes. */
export async function startAttacker (target: Peer, topic: string): Promise<Attacker> {
  const key = await generateKeyPair('Ed25519')
  const node = await createLibp2p({
    privateKey: key,
    ...loopbackTransports(),
    services: { identify: identify(), pubsub: gossipsub({ globalSignaturePolicy: StrictNoSign, allowPublishToZeroTopicPeers: true }) }
  })
  node.services.pubsub.subscribe(topic)
  await node.dial(multiaddr(target.addr))
  await waitUntil('attacker sees the member on the topic', () => node.services.pubsub.getSubscribers(topic).length > 0)
  return { node, key }
}

/**
 * Builds frames as a hostile peer would: signed with its own key (or any key
 * it holds), for any user, room, session and sequence it likes.
 */
export class Forger {
  readonly codec: EnvelopeCodec
  readonly from: Uint8Array<ArrayBuffer>

  constructor (appID: number, key: PrivateKey) {
    this.codec = new EnvelopeCodec(appID, new AuthorCache(), createSigner(peerIdFromPrivateKey(key), key))
    this.from = this.codec.self.peerIdBytes as Uint8Array<ArrayBuffer>
  }

  static async create (appID: number): Promise<Forger> {
    return new Forger(appID, await generateKeyPair('Ed25519'))
  }

  announcement (roomID: string, userID: string, fields: Partial<Announcement> = {}, session = 1n): Frame {
    return {
      from: this.from,
      roomID,
      session,
      announcement: { kind: Announcement.Kind.JOIN, seq: 1n, userID, userName: userID, msgSeq: 0n, timestamp: BigInt(Date.now()), addrs: [], roomName: '', destroyDelay: 0, goneUserID: '', goneSession: 0n, token: new Uint8Array(0), attributesDigest: new Uint8Array(0), ...fields } as Announcement
    }
  }

  message (roomID: string, userID: string, seq: bigint, text: string, session = 1n): Frame {
    const now = BigInt(Date.now())
    return {
      from: this.from,
      roomID,
      session,
      message: { seq, timestamp: now, orderKey: now * 1024n, type: 1, userID, text, data: new Uint8Array(0), subType: 0, searchedContent: '', extendedData: '', priority: 1 }
    }
  }

  attributes (roomID: string, update: Partial<AttributeUpdate>, session = 1n): Frame {
    return { from: this.from, roomID, session, attributes: { clock: 1n, room: [], members: [], batch: false, ...update } }
  }

  async seal (frame: Frame): Promise<Uint8Array> {
    return this.codec.seal('frame', Frame.encode(frame))
  }
}

/**
 * The same signed envelope in different bytes (an unknown field appended, which
 * decoders skip): a replay that gossipsub's seen-cache, keyed on the bytes,
 * does not catch, so roomsub's own replay checks must.
 */
export function rewrap (envelope: Uint8Array, nonce: number): Uint8Array {
  // field 15, varint
  const extra = [0x78, nonce & 0x7f]
  const out = new Uint8Array(envelope.byteLength + extra.length)
  out.set(envelope, 0)
  out.set(extra, envelope.byteLength)
  return out
}

/** Records every frame an attacker node receives on `topic`, for replay. */
export function captureFrames (attacker: Attacker, topic: string): Uint8Array[] {
  const frames: Uint8Array[] = []
  attacker.node.services.pubsub.addEventListener('message', (evt) => {
    if (evt.detail.topic === topic) frames.push(evt.detail.data.slice())
  })
  return frames
}

/**
 * Counts the chat-message frames gossipsub hands `peer`, first copies and
 * duplicates alike: what messages cost the network at this peer. Wraps the
 * real node's receive path; nothing else changes.
 */
export function countMessageCopies (peer: Peer): { count: number } {
  const pubsub = peer.node.services.pubsub as unknown as { handleReceivedMessage: (from: PeerId, rpc: { data?: Uint8Array }) => Promise<void> }
  const counter = { count: 0 }
  const receive = pubsub.handleReceivedMessage.bind(pubsub)
  pubsub.handleReceivedMessage = async (from, rpc) => {
    try {
      if (rpc.data != null && peek(rpc.data).message != null) counter.count++
    } catch {}
    return receive(from, rpc)
  }
  return counter
}

/** The peers at the other end of `peer`'s open direct links in `direction` (streams of the direct protocol, negotiated). */
function linkPeers (peer: Peer, direction: 'inbound' | 'outbound'): Set<string> {
  const protocol = directProtocol(peer.appID)
  return new Set(peer.node.getConnections()
    .filter(conn => conn.streams.some(s => s.protocol === protocol && s.direction === direction && s.status === 'open'))
    .map(conn => conn.remotePeer.toString()))
}

/** The peers `peer` has a direct link open to. */
export function linksFrom (peer: Peer): Set<string> {
  return linkPeers(peer, 'outbound')
}

/** The peers with a direct link open to `peer`. */
export function inboundLinks (peer: Peer): Set<string> {
  return linkPeers(peer, 'inbound')
}

/**
 * Calls `onFrame` with every frame (a message body, or an opened envelope)
 * that reaches `peer` on the direct links open to it now, and the peer id of
 * the link's other end, by reading the same stream events roomsub reads.
 */
export function watchLinkedFrames (peer: Peer, onFrame: (frame: Frame, from: string) => void): void {
  const protocol = directProtocol(peer.appID)
  for (const conn of peer.node.getConnections()) {
    for (const stream of conn.streams) {
      if (stream.protocol !== protocol || stream.direction !== 'inbound') continue
      const buffer = new Uint8ArrayList()
      stream.addEventListener('message', (evt) => {
        buffer.append(evt.data)
        for (let body = nextDirectFrame(buffer); body != null; body = nextDirectFrame(buffer)) {
          const frame = DirectFrame.decode(body)
          // a message goes on a link as its bare body (the signature follows in Seals), or sealed
          if (frame.body.byteLength > 0) onFrame(Frame.decode(frame.body), conn.remotePeer.toString())
          else if (frame.envelope.byteLength > 0) onFrame(peek(frame.envelope), conn.remotePeer.toString())
        }
      })
    }
  }
}

/** Counts the chat-message frames that reach `peer` on the direct links open to it now. */
export function countLinkedMessages (peer: Peer): { count: number } {
  const counter = { count: 0 }
  watchLinkedFrames(peer, (frame) => { if (frame.message != null) counter.count++ })
  return counter
}

/** Opens a captured frame (no signature check needed: the test only looks). */
export function peek (bytes: Uint8Array): Frame {
  return Frame.decode(Envelope.decode(bytes).body)
}

/** A user with its own Ed25519 key and an envelope codec that signs as it, for hand-made frames and records. */
export interface Identity {
  userID: string
  peerId: PeerId
  peerIdString: string
  /** the peer id as frames carry it (multihash bytes) */
  peerIdBytes: Uint8Array<ArrayBuffer>
  codec: EnvelopeCodec
}

/** Room callbacks that do nothing, for tests that drive a Room without a manager; `overrides` fills in what the test watches. */
export function roomCallbacks (overrides: Partial<RoomCallbacks> = {}): RoomCallbacks {
  const none = (): void => {}
  return {
    joined: none,
    left: none,
    message: none,
    recover: none,
    joinSeen: none,
    suspect: none,
    generationLost: none,
    lostHeard: none,
    attributesChanged: none,
    attributesDiffer: none,
    ...overrides
  }
}

export async function signingIdentity (appID: number, userID: string): Promise<Identity> {
  const key = await generateKeyPair('Ed25519')
  const peerId = peerIdFromPrivateKey(key)
  const codec = new EnvelopeCodec(appID, new AuthorCache(), createSigner(peerId, key))
  return { userID, peerId, peerIdString: peerId.toString(), peerIdBytes: codec.self.peerIdBytes as Uint8Array<ArrayBuffer>, codec }
}

/**
 * Sends `target` one raw history request over its history protocol (any
 * bytes: a test may send garbage) and returns the raw answer, or undefined
 * if the stream failed (the responder refused or hung up).
 */
export async function rawHistoryExchange (node: Libp2p, target: Peer, request: Uint8Array): Promise<Uint8Array | undefined> {
  const signal = AbortSignal.timeout(5000)
  const stream = await node.dialProtocol(target.peerId, historyProtocol(target.appID), { signal })
  try {
    const lp = lpStream(stream)
    await lp.write(request, { signal })
    const answer = await lp.read({ signal })
    await stream.close({ signal })
    return answer.subarray()
  } catch {
    stream.abort(new Error('history exchange failed'))
    return undefined
  }
}

/** Asks `target` for a page of `roomID`'s history as any peer could, and returns the envelopes it sends. */
export async function requestHistory (node: Libp2p, target: Peer, request: Partial<HistoryRequest> & { roomID: string }): Promise<Uint8Array[] | undefined> {
  const encoded = HistoryRequest.encode({ anchorOrderKey: 0n, anchorMessageID: '', older: true, count: 100, messageIDs: [], ...request })
  const answer = await rawHistoryExchange(node, target, encoded)
  return answer == null ? undefined : HistoryResponse.decode(answer).messages
}

/** Makes `node` answer every history request with whatever bytes `answer()` gives (an honest or hostile peer). */
export async function serveHistory (node: Libp2p, appID: number, answer: () => Uint8Array): Promise<void> {
  await node.handle(historyProtocol(appID), async (stream) => {
    try {
      const lp = lpStream(stream)
      await lp.read({ signal: AbortSignal.timeout(5000) })
      await lp.write(answer())
      await stream.close()
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  })
}
