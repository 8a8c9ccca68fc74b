/**
 * roomsub: ZIM's room-chat API with no server. Every user runs a libp2p
 * node; a room is a gossipsub topic; the room registry lives in a Kademlia
 * DHT. This file is the whole public API.
 */
export { ZIM } from './zim/zim.js'
export { ZIMError, ZIMErrorCode } from './zim/errors.js'
export * from './zim/defines.js'
export type { RoomsubConfig } from './zim/config.js'
export type { FrameStats } from './rooms/frame-gate.js'
export { roomsubServices, roomsubStreams, dhtProtocol } from './node/create-node.js'
export type { RoomsubNode, RoomsubServices } from './node/create-node.js'
export { createAuthority, issueToken } from './auth/token.js'
export type { AuthorityKeys, TokenClaims } from './auth/token.js'
