/**
 * The libp2p node a roomsub user runs: TCP, Noise, Yamux, identify, ping,
 * gossipsub for room topics and a server-mode kad-dht (with the app's own
 * protocol prefix) for the room registry. Apps that bring their own node
 * spread `roomsubServices(appID)` into their services, and may spread
 * `roomsubStreams()` into its options for roomsub's connection tuning.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { gossipsub, StrictNoSign } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { registryRules } from '../registry/registry.js'
import { APP_SPECIFIC_WEIGHT, PeerPenalties } from './peer-penalties.js'
import { lazyWindowYamux, singleWriteEncrypter } from './quiet-streams.js'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify } from '@libp2p/identify'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import type { Libp2pOptions } from 'libp2p'

export interface RoomsubServices {
  pubsub: GossipSub
  dht: KadDHT
  /** what roomsub's frame gate holds against peers, read by gossipsub's scoring */
  penalties: PeerPenalties
  identify?: Identify
  ping?: Ping
}

/**
 * gossipsub's mesh degrees for room topics: D, its bounds, and the outbound and by-score quotas, scaled
 * down from 6; and gossip (IHAVE) to 2 peers or a tenth of the non-mesh ones (defaults 6 and a quarter):
 * in rooms whose members all hold each other's direct frames, most IHAVEs told members what they had
 * (427 of 2,447 RPCs a second at 50 members in one process), and recovery asks for what gossip would repair
 */
const ROOM_MESH = { D: 3, Dlo: 2, Dhi: 6, Dout: 1, Dscore: 2, Dlazy: 2, gossipFactor: 0.1 }

export type RoomsubNode = Libp2p<RoomsubServices & Record<string, unknown>>

export function dhtProtocol (appID: number): string {
  return `/roomsub/${appID}/kad/1.0.0`
}

/**
 * The gossipsub and kad-dht services roomsub needs, for apps that build
 * their own libp2p node. Room frames are signed by roomsub itself (one
 * Ed25519 signature per message, checked once per receiver), so gossipsub
 * runs StrictNoSign and does not sign a second time.
 */
export function roomsubServices (appID: number): { pubsub: ReturnType<typeof gossipsub>, dht: ReturnType<typeof kadDHT>, penalties: () => PeerPenalties } {
  const penalties = new PeerPenalties()
  return {
    penalties: () => penalties,
    pubsub: gossipsub({
      globalSignaturePolicy: StrictNoSign,
      // an author floods its frames to every room member it is connected to (gossipsub's floodPublish),
      // and members connect to several others, so most copies a mesh forwards are duplicates: each one
      // costs a Noise frame, a yamux frame and a protobuf decode at both ends. A mesh of 3 (default 6)
      // still reaches members the author is not connected to, in a few hops, and what a thinner mesh loses
      // under churn, recovery (rooms/room.ts) asks for. Measured, 10 members in one process: CPU per
      // message 0.8x at 20 messages/s, and at 150 messages/s (past what either sustains) p50 about 0.55x
      ...ROOM_MESH,
      allowPublishToZeroTopicPeers: true,
      ignoreDuplicatePublishError: true,
      emitSelf: false,
      scoreParams: {
        // gossipsub's Sybil defence scores down more than 10 peers on one IP, and
        // graylists them from 14 on: many peers on one host (tests, demos) or behind one
        // NAT (a LAN party) are normal for a chat room. Loopback is exempt, the cliff is higher.
        IPColocationFactorThreshold: 50,
        IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1']),
        // peers that send forged, malformed or flooding frames lose score, then mesh places, then a hearing
        appSpecificScore: penalties.score,
        appSpecificWeight: APP_SPECIFIC_WEIGHT
      }
    }),
    dht: kadDHT({
      protocol: dhtProtocol(appID),
      clientMode: false,
      peerInfoMapper: passthroughMapper,
      allowQueryWithZeroPeers: true,
      ...registryRules(appID)
    })
  }
}

/**
 * Noise and yamux as roomsub's own node runs them: one socket write per
 * frame, and a window update only once half a stream's window is used
 * (quiet-streams.ts). For apps that build their own node:
 * `createLibp2p({ ...roomsubStreams(), transports: [tcp()], services: { ... } })`.
 * Either end may run the stock Noise and yamux: the bytes on the wire follow
 * the same protocols.
 */
export function roomsubStreams (): Required<Pick<Libp2pOptions, 'connectionEncrypters' | 'streamMuxers'>> {
  return { connectionEncrypters: [singleWriteEncrypter(noise())], streamMuxers: [lazyWindowYamux()] }
}

export interface CreateNodeOptions {
  appID: number
  listen: string[]
  privateKey?: PrivateKey
}

export async function createRoomsubNode (options: CreateNodeOptions): Promise<RoomsubNode> {
  const node = await createLibp2p({
    privateKey: options.privateKey,
    addresses: { listen: options.listen },
    transports: [tcp()],
    ...roomsubStreams(),
    // members' liveness is roomsub's heartbeats and checks; libp2p's default 10 s ping of every
    // connection (members of a room end up connected to most others) was a third of an idle
    // room's CPU: 25 idle nodes in one process used 49% of a core with it, 34% with it off
    connectionMonitor: { pingInterval: 60_000 },
    connectionManager: {
      // many peers on one host (tests, demos, a LAN) dial each other at once
      inboundConnectionThreshold: 1000,
      maxIncomingPendingConnections: 256
    },
    services: {
      identify: identify(),
      ping: ping(),
      ...roomsubServices(options.appID)
    }
  })
  return node as unknown as RoomsubNode
}
