/**
 * Per-sender ordering inside one room's state: messages that arrive out of
 * order are held and delivered in order; a gap that never fills is skipped
 * after the reorder window; a message that comes after its gap was skipped
 * is still delivered, once. (Room is pure state: no network needed here.)
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Room } from '../src/rooms/room.js'
import { FrameGate } from '../src/rooms/frame-gate.js'
import { encodeMessage } from '../src/wire/encode.js'
import { Announcement, Frame as FrameCodec } from '../src/wire/roomsub.js'
import { roomCallbacks, signingIdentity, waitUntil } from './helpers.js'
import type { ChatMessage, Frame } from '../src/wire/roomsub.js'
import type { ZIMMessage } from '../src/index.js'

const SENDER = '12D3KooSender'
const FROM = new Uint8Array([1, 2, 3]) as Uint8Array<ArrayBuffer>

function setup (): { room: Room, delivered: string[], joined: string[][] } {
  const delivered: string[] = []
  const joined: string[][] = []
  const room = new Room({
    roomID: 'r',
    localUserID: 'me',
    localPeerId: '12D3KooMe',
    memberTimeout: 10_000,
    heartbeatInterval: 1000,
    reorderWindow: 100,
    maxMembers: 100,
    callbacks: roomCallbacks({
      joined: (_r, users) => { joined.push(users.map(u => u.userID)) },
      message: (_r, m: ZIMMessage) => { delivered.push((m as ZIMMessage & { message: string }).message) }
    })
  })
  room.generation = { creator: '12D3KooMe', creatorBytes: new Uint8Array([9]), createdAt: 1 }
  const frame: Frame = { from: FROM, roomID: 'r', session: 7n }
  const ann: Announcement = {
    kind: Announcement.Kind.JOIN, seq: 1n, userID: 'sender', userName: 'S', msgSeq: 0n, timestamp: 1n, addrs: [], roomName: '', destroyDelay: 0, goneUserID: '', goneSession: 0n, token: new Uint8Array(0), attributesDigest: new Uint8Array(0),
    generation: { creator: new Uint8Array([9]) as Uint8Array<ArrayBuffer>, createdAt: 1n }
  }
  assert.equal(room.applyAnnouncement(SENDER, frame, ann, new Uint8Array(0), true), 'accept')
  room.connected = true
  return { room, delivered, joined }
}

function message (seq: number): [Frame, ChatMessage] {
  return [{ from: FROM, roomID: 'r', session: 7n }, {
    seq: BigInt(seq), timestamp: 1n, orderKey: BigInt(seq), type: 1, userID: 'sender', text: `m${seq}`,
    data: new Uint8Array(0), subType: 0, searchedContent: '', extendedData: '', priority: 1
  }]
}

describe('per-sender ordering', () => {
  it('holds out-of-order messages and delivers them in order', () => {
    const { room, delivered } = setup()
    for (const seq of [2, 3, 1, 4]) room.applyMessage(SENDER, ...message(seq))
    assert.deepEqual(delivered, ['m1', 'm2', 'm3', 'm4'])
    room.close()
  })

  it('ignores duplicates and replays of delivered messages', () => {
    const { room, delivered } = setup()
    assert.equal(room.applyMessage(SENDER, ...message(1)), 'accept')
    assert.equal(room.applyMessage(SENDER, ...message(1)), 'ignore')
    assert.deepEqual(delivered, ['m1'])
    room.close()
  })

  it('refuses a message claiming the sender from another peer, and one from an unknown session', () => {
    const { room, delivered } = setup()
    assert.equal(room.applyMessage('12D3KooOther', ...message(1)), 'reject')
    const [frame, msg] = message(1)
    assert.equal(room.applyMessage(SENDER, { ...frame, session: 8n }, msg), 'ignore')
    assert.deepEqual(delivered, [])
    room.close()
  })

  it('skips a gap that never fills after the reorder window, and still delivers the late message once', async () => {
    const { room, delivered } = setup()
    room.applyMessage(SENDER, ...message(1))
    room.applyMessage(SENDER, ...message(3))
    room.applyMessage(SENDER, ...message(4))
    assert.deepEqual(delivered, ['m1'], 'm3 and m4 wait for m2')
    await waitUntil('the gap is skipped', () => delivered.length === 3, 2000)
    assert.deepEqual(delivered, ['m1', 'm3', 'm4'])
    assert.equal(room.applyMessage(SENDER, ...message(2)), 'accept', 'm2 arrives late')
    assert.deepEqual(delivered, ['m1', 'm3', 'm4', 'm2'])
    assert.equal(room.applyMessage(SENDER, ...message(2)), 'ignore', 'but only once')
    room.close()
  })

  it('a message from a member\'s new session (it left and came back) waits for the announcement that starts it, then is delivered', async () => {
    const local = await signingIdentity(4242, 'me')
    const sender = await signingIdentity(4242, 'sender')
    const delivered: string[] = []
    const room = new Room({
      roomID: 'r',
      localUserID: 'me',
      localPeerId: local.peerIdString,
      memberTimeout: 10_000,
      heartbeatInterval: 1000,
      reorderWindow: 100,
      maxMembers: 100,
      callbacks: roomCallbacks({ message: (_r, m: ZIMMessage) => { delivered.push((m as ZIMMessage & { message: string }).message) } })
    })
    room.generation = { creator: local.peerIdString, creatorBytes: local.peerIdBytes, createdAt: 1 }
    room.connected = true
    const gate = new FrameGate({ codec: local.codec, messagesPerSecond: 100, strangerWait: 5000 })
    const seal = async (frame: Frame): Promise<Uint8Array> => sender.codec.seal('frame', encodeMessage(FrameCodec.codec(), frame))
    const join = (session: bigint, seq: bigint): Frame => ({
      from: sender.peerIdBytes,
      roomID: 'r',
      session,
      announcement: { kind: Announcement.Kind.JOIN, seq, userID: 'sender', userName: 'S', msgSeq: 0n, timestamp: 1n, addrs: [], roomName: '', destroyDelay: 0, goneUserID: '', goneSession: 0n, token: new Uint8Array(0), attributesDigest: new Uint8Array(0) }
    })
    const say = (session: bigint, seq: bigint, text: string): Frame => ({
      from: sender.peerIdBytes,
      roomID: 'r',
      session,
      message: { seq, timestamp: 1n, orderKey: 1024n * seq, type: 1, userID: 'sender', text, data: new Uint8Array(0), subType: 0, searchedContent: '', extendedData: '', priority: 1 }
    })
    assert.equal(await gate.admit(room, await seal(join(1n, 1n))), 'accept')
    assert.equal(await gate.admit(room, await seal(say(1n, 1n, 'first'))), 'accept')
    // it rejoined: the first message of session 2 overtakes the JOIN that starts session 2
    let verdict: string | undefined
    const held = gate.admit(room, await seal(say(2n, 1n, 'after the rejoin'))).then(v => { verdict = v })
    const rejoin = await seal(join(2n, 10n))
    assert.equal(verdict, undefined, 'the message waits for its session')
    assert.deepEqual(delivered, ['first'])
    assert.equal(await gate.admit(room, rejoin), 'accept')
    await held
    assert.equal(verdict, 'accept')
    assert.deepEqual(delivered, ['first', 'after the rejoin'])
    // a late message of the old session is still refused, not delivered
    assert.equal(await gate.admit(room, await seal(say(1n, 2n, 'from before'))), 'ignore')
    room.close()
  })
})
