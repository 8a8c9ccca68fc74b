/**
 * What `ZIM.create` accepts, and the defaults roomsub fills in. Timings are
 * in milliseconds unless a name says otherwise; tests shorten them.
 */
import type { RoomsubNode } from '../node/create-node.js'
import type { PrivateKey } from '@libp2p/interface'

export interface RoomsubConfig {
  appID: number
  /** multiaddrs to listen on; default all interfaces, a free TCP port */
  listen?: string[]
  /** multiaddrs (with /p2p/ ids) dialled at login, retried with backoff */
  bootstrap?: string[]
  /** a started libp2p node with `pubsub` (gossipsub) and `dht` services built by `roomsubServices`; roomsub never stops it */
  libp2p?: RoomsubNode
  /** identity of the node roomsub builds; a fresh Ed25519 key by default */
  privateKey?: PrivateKey
  /** how often a member re-announces itself in each room (default 5000) */
  heartbeatInterval?: number
  /** a member not heard from for this long is reported left (default 3 heartbeats) */
  memberTimeout?: number
  /** deadline of one registry lookup or publish (default 3000) */
  registryTimeout?: number
  /** how long a join waits to reach the room's members (default 5000) */
  joinTimeout?: number
  /** how long login waits for a bootstrap peer before failing 6000105 (default 10000) */
  loginTimeout?: number
  /** a gap in one sender's messages is waited on this long before delivery skips it (default 1000) */
  reorderWindow?: number
  /** rooms one user may be in at once (ZIM: 5) */
  maxJoinedRooms?: number
  /** messages one user may send per second (ZIM: 10) */
  messageRateLimit?: number
  /** other room members each member keeps a direct connection to (default 3) */
  roomPeerTarget?: number
  /**
   * rooms of up to this many members connect every member to every other (default 64; 0 never):
   * a message then goes from its author straight to each member, one hop, and nobody forwards it.
   * Larger rooms rely on gossipsub's mesh, a few hops and several copies per member.
   */
  directRoomSize?: number
  /** members one room holds at most; joins past it are ignored (default 10000) */
  maxRoomMembers?: number
  /**
   * the public key (base64url) of the app's authority (`createAuthority`): login then needs a
   * token it issued (`issueToken`), and members refuse peers without one. Without it, the first
   * key to announce a userID in a room holds it.
   */
  authority?: string
  /**
   * chat messages each member keeps per room for peers that join later (history): the newest
   * this many (default 200; 0 keeps none). Barrage messages are never kept.
   */
  historyLimit?: number
  /** a kept message is dropped this long after it was received (default 3600000, one hour; 0 keeps none) */
  historyMaxAge?: number
  /**
   * after joining a room, deliver up to this many of its recent messages, kept by members, through
   * `roomMessageReceived` with `info.isOfflineMessage` true (0 to 100; default 0: off)
   */
  historyOnJoin?: number
}

export interface ResolvedConfig {
  appID: number
  listen: string[]
  bootstrap: string[]
  libp2p?: RoomsubNode
  privateKey?: PrivateKey
  heartbeatInterval: number
  memberTimeout: number
  registryTimeout: number
  joinTimeout: number
  loginTimeout: number
  reorderWindow: number
  maxJoinedRooms: number
  messageRateLimit: number
  roomPeerTarget: number
  directRoomSize: number
  maxRoomMembers: number
  authority?: string
  historyLimit: number
  historyMaxAge: number
  historyOnJoin: number
  /** how often the designated member refreshes the registry record */
  recordRefreshInterval: number
  /** how long a record outlives its last refresh */
  recordTTL: number
}

export function resolveConfig (config: RoomsubConfig): ResolvedConfig {
  const heartbeatInterval = config.heartbeatInterval ?? 5000
  // a refresh is a DHT lookup and put: rarer than heartbeats, so it stays off the message path
  const recordRefreshInterval = heartbeatInterval * 4
  const memberTimeout = config.memberTimeout ?? heartbeatInterval * 3
  const registryTimeout = config.registryTimeout ?? 3000
  return {
    appID: config.appID,
    listen: config.listen ?? ['/ip4/0.0.0.0/tcp/0'],
    bootstrap: config.bootstrap ?? [],
    libp2p: config.libp2p,
    privateKey: config.privateKey,
    heartbeatInterval,
    memberTimeout,
    registryTimeout,
    joinTimeout: config.joinTimeout ?? 5000,
    loginTimeout: config.loginTimeout ?? 10000,
    reorderWindow: config.reorderWindow ?? 1000,
    maxJoinedRooms: config.maxJoinedRooms ?? 5,
    messageRateLimit: config.messageRateLimit ?? 10,
    roomPeerTarget: config.roomPeerTarget ?? 3,
    directRoomSize: config.directRoomSize ?? 64,
    maxRoomMembers: config.maxRoomMembers ?? 10_000,
    authority: config.authority,
    historyLimit: config.historyLimit ?? 200,
    historyMaxAge: config.historyMaxAge ?? 60 * 60 * 1000,
    historyOnJoin: config.historyOnJoin ?? 0,
    recordRefreshInterval,
    recordTTL: recordTTL(recordRefreshInterval, heartbeatInterval, memberTimeout, registryTimeout)
  }
}

/**
 * How long a record outlives its last refresh: two missed refreshes, and at
 * least the longest a room can go between two stores of its record while it
 * has members. That is the refresh interval, the heartbeat that runs the
 * refresh, a designated member's silent crash going unnoticed (memberTimeout)
 * before the next one takes over, and that refresh's lookup and put
 * (registryTimeout each). With short heartbeats the registry's deadlines are
 * the larger part: 3 intervals alone would let a busy room's record lapse.
 */
function recordTTL (refreshInterval: number, heartbeatInterval: number, memberTimeout: number, registryTimeout: number): number {
  return Math.max(refreshInterval * 3, refreshInterval + heartbeatInterval + memberTimeout + registryTimeout * 2)
}
