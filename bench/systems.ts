/**
 * The three systems the benchmark runs side by side, behind one interface:
 * roomsub (ZIM calls only), raw @libp2p/gossipsub with its default
 * StrictSign on the same transports, and a socket.io hub with N clients in
 * one room. A fourth, plain libp2p streams on roomsub's own stack, is the
 * floor under roomsub's message path. Everything listens on 127.0.0.1, port 0.
 */
import { createServer } from 'node:http'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { multiaddr } from '@multiformats/multiaddr'
import { Uint8ArrayList } from 'uint8arraylist'
import { Server } from 'socket.io'
import { io as connectClient } from 'socket.io-client'
import { ZIM, ZIMConversationType, ZIMMessageType } from '../src/index.js'
import { roomsubStreams } from '../src/node/create-node.js'
import { nextDirectFrame } from '../src/rooms/direct-links.js'
import type { AddressInfo } from 'node:net'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Libp2p, Stream } from '@libp2p/interface'
import type { Socket } from 'socket.io-client'
import type { RoomsubConfig, ZIMMessage } from '../src/index.js'

export type SystemName = 'roomsub' | 'gossipsub' | 'socket.io' | 'streams'

export interface ChatSystem {
  readonly name: SystemName
  /** n members in one room, connected and able to exchange messages */
  start(n: number): Promise<void>
  send(from: number, payload: string): Promise<void>
  /** set by the harness: called for every delivery */
  onMessage: (to: number, payload: string) => void
  stop(): Promise<void>
}

const ROOM = 'bench'
const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']

/** an app of its own for each roomsub room of the benchmark, so rooms of two runs never meet */
export function randomAppID (): number {
  return 7000 + Math.floor(Math.random() * 1_000_000)
}

/** a topic of its own for each gossipsub room of the benchmark */
export function randomTopic (): string {
  return `/bench/${Math.random()}`
}

/** Extra direct links per peer, as roomsub's default roomPeerTarget makes for its own members. */
export const EXTRA_LINKS = 3

/**
 * roomsub's defaults, but no client rate limit (the harness measures the
 * network, not ZIM's cap), and login and join deadlines long enough for 50
 * nodes sharing one event loop (each node's idle traffic is the whole
 * process's: at 30 nodes it keeps most of a core busy).
 */
export const BENCH_ROOMSUB_CONFIG: Partial<RoomsubConfig> = {
  listen: LOOPBACK,
  messageRateLimit: Number.MAX_SAFE_INTEGER,
  maxJoinedRooms: 1000,
  loginTimeout: 60_000,
  joinTimeout: 60_000
}

export class RoomsubSystem implements ChatSystem {
  readonly name = 'roomsub'
  readonly appID: number
  private readonly config: Partial<RoomsubConfig>

  /**
   * `config` overrides the defaults for every peer (the departure runs shorten the heartbeat);
   * `appID` joins one member per process to the same room
   */
  constructor (config: Partial<RoomsubConfig> = {}, appID = randomAppID()) {
    this.config = config
    this.appID = appID
  }
  peers: ZIM[] = []
  onMessage: (to: number, payload: string) => void = () => {}
  onJoined: (to: number, userIDs: string[]) => void = () => {}
  onLeft: (to: number, userIDs: string[]) => void = () => {}

  /** a random member's address: newcomers spread over the room, as they would over the internet */
  bootstrapAddr (): string[] {
    if (this.peers.length === 0) return []
    const peer = this.peers[Math.floor(Math.random() * this.peers.length)]
    return [peer.libp2p?.getMultiaddrs()[0].toString() ?? '']
  }

  async addPeer (index: number, config: Partial<RoomsubConfig> = {}): Promise<ZIM> {
    const zim = ZIM.create({ appID: this.appID, ...BENCH_ROOMSUB_CONFIG, ...this.config, ...config, bootstrap: config.bootstrap ?? this.bootstrapAddr() })
    zim.on('roomMessageReceived', (_z, { messageList }) => {
      for (const m of messageList) this.onMessage(index, (m as ZIMMessage & { message: string }).message)
    })
    zim.on('roomMemberJoined', (_z, { memberList }) => { this.onJoined(index, memberList.map(u => u.userID)) })
    zim.on('roomMemberLeft', (_z, { memberList }) => { this.onLeft(index, memberList.map(u => u.userID)) })
    await zim.login(`user${index}`, { userName: `User ${index}` })
    return zim
  }

  async start (n: number): Promise<void> {
    for (let i = 0; i < n; i++) await this.addMember(i)
  }

  /** Member `index` logs in (through `bootstrap`, else a member of this process) and enters the room: the first creates it. */
  async addMember (index: number, bootstrap?: string[]): Promise<ZIM> {
    const zim = await this.addPeer(index, bootstrap != null ? { bootstrap } : {})
    this.peers.push(zim)
    if (index === 0) await zim.createRoom({ roomID: ROOM, roomName: 'Bench' })
    else await zim.joinRoom(ROOM)
    return zim
  }

  /** how many members `peer` counts in the room, itself included */
  async memberCount (peer: number): Promise<number> {
    return (await this.peers[peer].queryRoomOnlineMemberCount(ROOM)).count
  }

  async send (from: number, payload: string): Promise<void> {
    await this.peers[from].sendMessage({ type: ZIMMessageType.Text, message: payload }, ROOM, ZIMConversationType.Room, { priority: 1 })
  }

  async stop (): Promise<void> {
    await Promise.all(this.peers.map(async p => p.destroy()))
    this.peers = []
  }
}

/**
 * roomsub with the room's other features carrying state: the most room
 * attributes ZIM allows (20 keys, about 5 KB), 30 member attributes on every
 * member, and history kept (the default window, filled by the warm-up), so a
 * message's path is measured next to a room full of them.
 */
export class RoomsubWithStateSystem extends RoomsubSystem {
  override async start (n: number): Promise<void> {
    await super.start(n)
    const value = 'v'.repeat(250)
    await this.peers[0].setRoomAttributes(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`key${String(i).padStart(2, '0')}`, value])), ROOM, { isForce: true, isDeleteAfterOwnerLeft: false, isUpdateOwner: false })
    for (const [i, zim] of this.peers.entries()) {
      await zim.setRoomMembersAttributes(Object.fromEntries(Array.from({ length: 30 }, (_, k) => [`${k}`, 'ab'])), [`user${i}`], ROOM, { isDeleteAfterOwnerLeft: true })
    }
    // every member holds every attribute before the first message is timed
    await until(() => this.held === n, 30_000, async () => {
      const counts = await Promise.all(this.peers.map(async zim => {
        const room = await zim.queryRoomAllAttributes(ROOM)
        const members = await zim.queryRoomMemberAttributesList(ROOM, { nextFlag: '', count: 100 })
        return Object.keys(room.roomAttributes).length === 20 && members.infos.length === n && members.infos.every(m => Object.keys(m.attributes).length === 30)
      }))
      this.held = counts.filter(Boolean).length
    })
  }

  private held = 0
}

export class GossipsubSystem implements ChatSystem {
  readonly name = 'gossipsub'
  private nodes: Array<Libp2p<{ pubsub: GossipSub }>> = []
  readonly topic: string
  onMessage: (to: number, payload: string) => void = () => {}

  /** `topic` joins one member per process to the same topic */
  constructor (topic = randomTopic()) {
    this.topic = topic
  }

  async start (n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const targets = i === 0 ? [] : [0, ...pick(i, Math.min(EXTRA_LINKS, i - 1), 1)]
      await this.addNode(i, targets.map(t => this.nodes[t].getMultiaddrs()[0].toString()))
    }
    // ready when every node knows at least one subscriber and node 0 knows all it is connected to
    await until(() => this.nodes.every((_, i) => this.ready(i)), 10_000)
  }

  /** a node that knows at least one other subscriber of the topic */
  ready (node: number): boolean {
    return this.nodes[node].services.pubsub.getSubscribers(this.topic).length > 0
  }

  /** Node `index` starts, subscribes and dials `dial`; returns its address. */
  async addNode (index: number, dial: string[]): Promise<string> {
    const decoder = new TextDecoder()
    const node = await createLibp2p({
      addresses: { listen: LOOPBACK },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionManager: { inboundConnectionThreshold: 1000 },
      // the default StrictSign: every message signed by its author and verified by every receiver.
      // Loopback is exempt from IP colocation scoring (as in roomsub), else more than 13 nodes on
      // one host graylist each other and the baseline breaks down instead of slowing down.
      services: {
        identify: identify(),
        pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, scoreParams: { IPColocationFactorWhitelist: new Set(['127.0.0.1']) } })
      }
    })
    node.services.pubsub.addEventListener('message', (evt) => {
      if (evt.detail.topic === this.topic) this.onMessage(index, decoder.decode(evt.detail.data))
    })
    node.services.pubsub.subscribe(this.topic)
    for (const addr of dial) await node.dial(multiaddr(addr))
    this.nodes.push(node)
    return node.getMultiaddrs()[0].toString()
  }

  async send (from: number, payload: string): Promise<void> {
    await this.nodes[from].services.pubsub.publish(this.topic, new TextEncoder().encode(payload))
  }

  async stop (): Promise<void> {
    await Promise.all(this.nodes.map(async n => n.stop()))
    this.nodes = []
  }
}

/**
 * The floor under roomsub's message path: N libp2p nodes on roomsub's own
 * stack (TCP, Noise, yamux, as roomsubStreams builds it), a stream from each
 * to every other, and a message written by its sender to each of them,
 * length-prefixed as roomsub's direct links frame theirs. Nothing else: no
 * encoding, signature, validation, ordering, history or ZIM objects, and
 * none of roomsub's services. What roomsub's latency has above this is
 * roomsub's own work; what the floor has above the socket.io hub is the stack's.
 */
export class StreamsSystem implements ChatSystem {
  readonly name = 'streams'
  private nodes: Libp2p[] = []
  /** streams[from]: the streams `from` writes a message to */
  private streams: Stream[][] = []
  private readonly protocol = `/bench-floor/${Math.random()}`
  onMessage: (to: number, payload: string) => void = () => {}

  async start (n: number): Promise<void> {
    const decoder = new TextDecoder()
    for (let i = 0; i < n; i++) {
      const node = await createLibp2p({
        addresses: { listen: LOOPBACK },
        transports: [tcp()],
        ...roomsubStreams(),
        connectionMonitor: { pingInterval: 60_000 },
        connectionManager: { inboundConnectionThreshold: 1000, maxIncomingPendingConnections: 256 }
      })
      await node.handle(this.protocol, (stream) => {
        const buffer = new Uint8ArrayList()
        stream.addEventListener('message', (evt) => {
          buffer.append(evt.data)
          for (let body = nextDirectFrame(buffer); body != null; body = nextDirectFrame(buffer)) this.onMessage(i, decoder.decode(body))
        })
      })
      this.nodes.push(node)
    }
    for (const from of this.nodes) {
      const streams: Stream[] = []
      for (const to of this.nodes) {
        if (to !== from) streams.push(await from.dialProtocol(to.getMultiaddrs()[0], this.protocol))
      }
      this.streams.push(streams)
    }
  }

  async send (from: number, payload: string): Promise<void> {
    const wire = lengthPrefixed(new TextEncoder().encode(payload))
    for (const stream of this.streams[from]) stream.send(wire)
  }

  async stop (): Promise<void> {
    await Promise.all(this.nodes.map(async n => n.stop()))
    this.nodes = []
    this.streams = []
  }
}

/** `body` after its length as a varint, as a direct link frames it */
function lengthPrefixed (body: Uint8Array): Uint8Array {
  const prefix: number[] = []
  let length = body.byteLength
  do {
    prefix.push((length & 0x7f) | (length > 0x7f ? 0x80 : 0))
    length >>>= 7
  } while (length > 0)
  const out = new Uint8Array(prefix.length + body.byteLength)
  out.set(prefix)
  out.set(body, prefix.length)
  return out
}

export class SocketIOSystem implements ChatSystem {
  readonly name = 'socket.io'
  private server?: Server
  private http?: ReturnType<typeof createServer>
  clients: Socket[] = []
  private readonly allClients: Socket[] = []
  /** where the hub listens: set by listen(), or given to clients in other processes */
  url: string
  onMessage: (to: number, payload: string) => void = () => {}
  onJoined: (to: number, userID: string) => void = () => {}
  onLeft: (to: number, userID: string) => void = () => {}

  constructor (url = '') {
    this.url = url
  }

  async listen (): Promise<void> {
    this.http = createServer()
    this.server = new Server(this.http, { pingInterval: 1000, pingTimeout: 2000 })
    this.server.on('connection', socket => {
      socket.on('join', (userID: string, ack: () => void) => {
        socket.data.userID = userID
        void socket.join(ROOM)
        socket.to(ROOM).emit('joined', userID)
        ack()
      })
      socket.on('msg', (payload: string) => { socket.to(ROOM).emit('msg', payload) })
      socket.on('disconnect', () => {
        if (socket.data.userID != null) this.server?.to(ROOM).emit('left', socket.data.userID)
      })
    })
    await new Promise<void>(resolve => this.http?.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`
  }

  async addClient (index: number): Promise<Socket> {
    const client = connectClient(this.url, { transports: ['websocket'], forceNew: true, reconnection: false })
    this.allClients.push(client)
    client.on('msg', (payload: string) => { this.onMessage(index, payload) })
    client.on('joined', (userID: string) => { this.onJoined(index, userID) })
    client.on('left', (userID: string) => { this.onLeft(index, userID) })
    await new Promise<void>(resolve => client.on('connect', resolve))
    return client
  }

  async join (client: Socket, userID: string): Promise<void> {
    await new Promise<void>(resolve => client.emit('join', userID, resolve))
  }

  async start (n: number): Promise<void> {
    await this.listen()
    for (let i = 0; i < n; i++) {
      const client = await this.addClient(i)
      await this.join(client, `user${i}`)
      this.clients.push(client)
    }
  }

  async send (from: number, payload: string): Promise<void> {
    this.clients[from].emit('msg', payload)
  }

  async stop (): Promise<void> {
    for (const c of this.allClients) c.disconnect()
    this.clients = []
    this.allClients.length = 0
    await new Promise<void>(resolve => { if (this.server != null) void this.server.close(() => { resolve() }); else resolve() })
  }
}

/** `count` distinct numbers from [from, below) */
export function pick (below: number, count: number, from = 0): number[] {
  const pool = Array.from({ length: below - from }, (_, i) => i + from)
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[pool[i], pool[j]] = [pool[j], pool[i]]
  }
  return pool.slice(0, count)
}

/** Waits until `check` holds, running `poll` (if given) before each look; throws after `timeout` ms. */
export async function until (check: () => boolean, timeout: number, poll?: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeout
  while (true) {
    await poll?.()
    if (check()) return
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, poll != null ? 50 : 5))
  }
}

export function createSystem (name: SystemName): ChatSystem {
  if (name === 'roomsub') return new RoomsubSystem()
  if (name === 'gossipsub') return new GossipsubSystem()
  if (name === 'streams') return new StreamsSystem()
  return new SocketIOSystem()
}
