/**
 * Per-sender ordering inside one room's state: messages that arrive out of
 * order are held and delivered in order; a gap that never fills is skipped
 * after the reorder window; a message that comes after its gap was skipped
 * is still delivered, once. A message whose author's announcement comes late
 * (or a member taken for gone) is kept and delivered once the author is a
 * member again. (Room is pure state: no network needed here.)
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Room } from '../src/rooms/room.js'
import { FrameGate, MAX_UNREACHED } from '../src/rooms/frame-gate.js'
import { encodeMessage } from '../src/wire/encode.js'
import { Announcement, Envelope, Frame as FrameCodec } from '../src/wire/roomsub.js'
import { multiaddr } from '@multiformats/multiaddr'
import { roomCallbacks, signingIdentity, waitUntil } from './helpers.js'
import type { ChatMessage, Frame } from '../src/wire/roomsub.js'
import type { RoomCallbacks } from '../src/rooms/room.js'
import type { ZIMMessage } from '../src/index.js'

const SENDER = '12D3KooSender'
const FROM = new Uint8Array([1, 2, 3]) as Uint8Array<ArrayBuffer>

const JOINED: Announcement = {
  kind: Announcement.Kind.JOIN, seq: 1n, userID: 'sender', userName: 'S', msgSeq: 0n, timestamp: 1n, addrs: [], roomName: '', destroyDelay: 0, goneUserID: '', goneSession: 0n, token: new Uint8Array(0), attributesDigest: new Uint8Array(0),
  generation: { creator: new Uint8Array([9]) as Uint8Array<ArrayBuffer>, createdAt: 1n }
}

function setup (callbacks: Partial<RoomCallbacks> = {}, history?: { limit: number, maxAge: number }): { room: Room, delivered: string[], joined: string[][] } {
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
    history,
    callbacks: roomCallbacks({
      joined: (_r, users) => { joined.push(users.map(u => u.userID)) },
      message: (_r, m: ZIMMessage) => { delivered.push((m as ZIMMessage & { message: string }).message) },
      ...callbacks
    })
  })
  room.generation = { creator: '12D3KooMe', creatorBytes: new Uint8Array([9]), createdAt: 1 }
  const frame: Frame = { from: FROM, roomID: 'r', session: 7n }
  assert.equal(room.applyAnnouncement(SENDER, frame, JOINED, new Uint8Array(0), true), 'accept')
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

  it('asks for a gap\'s messages after the reorder window, skips the gap after another, and still delivers the late message once', async () => {
    const asked: bigint[][] = []
    const { room, delivered } = setup({ recover: (_r, _m, seqs) => { asked.push(seqs) } })
    room.applyMessage(SENDER, ...message(1))
    room.applyMessage(SENDER, ...message(3))
    room.applyMessage(SENDER, ...message(4))
    assert.deepEqual(delivered, ['m1'], 'm3 and m4 wait for m2')
    await waitUntil('m2 is asked for', () => asked.length === 1, 2000)
    assert.deepEqual(asked, [[2n]])
    assert.deepEqual(delivered, ['m1'], 'still waiting, for the answer')
    await waitUntil('the gap is skipped', () => delivered.length === 3, 2000)
    assert.deepEqual(delivered, ['m1', 'm3', 'm4'])
    assert.deepEqual(asked, [[2n]], 'asked once')
    assert.equal(room.applyMessage(SENDER, ...message(2)), 'accept', 'm2 arrives late')
    assert.deepEqual(delivered, ['m1', 'm3', 'm4', 'm2'])
    assert.equal(room.applyMessage(SENDER, ...message(2)), 'ignore', 'but only once')
    room.close()
  })

  it('a gap whose message comes back from recovery before the skip is delivered in order', async () => {
    const { room, delivered } = setup({ recover: (r, _m, seqs) => { for (const seq of seqs) r.applyMessage(SENDER, ...message(Number(seq))) } })
    room.applyMessage(SENDER, ...message(1))
    room.applyMessage(SENDER, ...message(4))
    await waitUntil('the gap is filled', () => delivered.length === 4, 2000)
    assert.deepEqual(delivered, ['m1', 'm2', 'm3', 'm4'])
    room.close()
  })

  it('an announcement showing messages that never came gets them asked for a reorder window later; each is delivered once if it comes', async () => {
    const asked: bigint[][] = []
    const { room, delivered } = setup({ recover: (_r, _m, seqs) => { asked.push(seqs) } })
    room.applyMessage(SENDER, ...message(1))
    // its heartbeat says it sent up to seq 3: m2 and m3 are lost (or still on their way)
    const heartbeat = (seq: bigint, msgSeq: bigint): Announcement => ({ ...JOINED, kind: Announcement.Kind.HEARTBEAT, seq, msgSeq })
    assert.equal(room.applyAnnouncement(SENDER, { from: FROM, roomID: 'r', session: 7n }, heartbeat(2n, 3n), new Uint8Array(0), true), 'accept')
    room.applyMessage(SENDER, ...message(2))
    await waitUntil('m3 is asked for', () => asked.length === 1, 2000)
    assert.deepEqual(asked, [[3n]], 'm2 came in time: only m3 is asked for')
    // a heartbeat with nothing new asks for nothing
    assert.equal(room.applyAnnouncement(SENDER, { from: FROM, roomID: 'r', session: 7n }, heartbeat(3n, 3n), new Uint8Array(0), true), 'accept')
    assert.equal(room.applyMessage(SENDER, ...message(3)), 'accept', 'the recovered copy')
    assert.equal(room.applyMessage(SENDER, ...message(3)), 'ignore', 'the live copy, later')
    assert.equal(room.applyMessage(SENDER, ...message(4)), 'accept')
    assert.deepEqual(delivered, ['m1', 'm2', 'm3', 'm4'])
    assert.equal(room.members.get('sender')?.tailTimer, undefined, 'nothing more will be asked for')
    room.close()
  })

  it('a member first heard of live while we are in the room has its last messages asked for: they may have been lost before we knew it', () => {
    const asked: Array<[string, bigint[]]> = []
    const { room } = setup({ recover: (_r, m, seqs) => { asked.push([m.userID, seqs]) } })
    const other = { ...JOINED, kind: Announcement.Kind.HEARTBEAT, userID: 'late', seq: 5n, msgSeq: 3n }
    assert.equal(room.applyAnnouncement('12D3KooLate', { from: new Uint8Array([4]), roomID: 'r', session: 9n }, other, new Uint8Array(0), true), 'accept')
    assert.deepEqual(asked, [['late', [1n, 2n, 3n]]])
    // one that has sent nothing yet has nothing to ask for
    const fresh = { ...JOINED, userID: 'fresh', seq: 1n, msgSeq: 0n }
    assert.equal(room.applyAnnouncement('12D3KooFresh', { from: new Uint8Array([5]), roomID: 'r', session: 9n }, fresh, new Uint8Array(0), true), 'accept')
    assert.equal(asked.length, 1)
    room.close()
  })

  it('a member met again in the same session has its last seqs asked for; what was delivered before is not delivered twice', () => {
    const asked: bigint[][] = []
    const { room, delivered } = setup({ recover: (_r, _m, seqs) => { asked.push(seqs) } }, { limit: 100, maxAge: 60_000 })
    for (const seq of [1, 2]) {
      const [frame, msg] = message(seq)
      assert.equal(room.applyMessage(SENDER, frame, msg), 'accept')
      // as the gate does with what the room took
      room.keepMessage({ envelope: new Uint8Array([seq]) }, frame, msg)
    }
    // it leaves, then the same session comes back (a newer JOIN) after sending m3 we never got
    const session = { from: FROM, roomID: 'r', session: 7n }
    assert.equal(room.applyAnnouncement(SENDER, session, { ...JOINED, kind: Announcement.Kind.LEAVE, seq: 2n, msgSeq: 2n }, new Uint8Array(0), true), 'accept')
    assert.equal(room.applyAnnouncement(SENDER, session, { ...JOINED, seq: 3n, msgSeq: 3n }, new Uint8Array(0), true), 'accept')
    assert.deepEqual(asked, [[1n, 2n, 3n]])
    const verdicts = [1, 2, 3].map(seq => room.applyRecovered(SENDER, ...message(seq), new Uint8Array([seq])))
    assert.deepEqual(verdicts, ['ignore', 'ignore', 'accept'])
    assert.deepEqual(delivered, ['m1', 'm2', 'm3'])
    room.close()
  })

  it('a message from a member\'s new session (it left and came back) waits for the announcement that starts it, then is delivered', async () => {
    const { room, gate, delivered, seal, join, say } = await gated(5000)
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

describe('frames their author sent straight to every member (Frame.direct)', () => {
  it('are delivered but not passed on when they come from the author itself, and passed on as usual when a forwarder hands them over', async () => {
    const { room, gate, delivered, seal, join, say, senderId } = await gated(5000)
    assert.equal(await gate.admit(room, await seal(join(1n, 1n)), senderId), 'accept', 'a JOIN is always passed on')
    assert.equal(await gate.admit(room, await seal({ ...say(1n, 1n, 'straight'), direct: { unreached: [] } }), senderId), 'delivered')
    assert.equal(await gate.admit(room, await seal({ ...say(1n, 2n, 'relayed'), direct: { unreached: [] } }), '12D3KooSomeForwarder'), 'accept')
    assert.equal(await gate.admit(room, await seal(say(1n, 3n, 'unmarked')), senderId), 'accept')
    assert.deepEqual(delivered, ['straight', 'relayed', 'unmarked'])
    // the mark is signed: a forwarder that adds it to stop a frame spreading makes a forgery
    const signed = Envelope.decode(await seal(say(1n, 4n, 'marked by a forwarder')))
    const marked = Envelope.encode({ body: encodeMessage(FrameCodec.codec(), { ...FrameCodec.decode(signed.body), direct: { unreached: [] } }), signature: signed.signature })
    assert.equal(await gate.admit(room, marked, '12D3KooSomeForwarder'), 'reject')
    assert.deepEqual(delivered, ['straight', 'relayed', 'unmarked'])
    room.close()
  })

  it('are passed on by a member whose mesh holds one the author did not reach, and only by such a member', async () => {
    const missed = await signingIdentity(4242, 'missed')
    const other = await signingIdentity(4242, 'other')
    const mesh = [other.peerIdString]
    const { room, gate, delivered, seal, join, say, senderId } = await gated(5000, () => mesh)
    assert.equal(await gate.admit(room, await seal(join(1n, 1n)), senderId), 'accept')
    const missing = { unreached: [missed.peerIdBytes as Uint8Array<ArrayBuffer>] }
    assert.equal(await gate.admit(room, await seal({ ...say(1n, 1n, 'missed is not ours'), direct: missing }), senderId), 'delivered')
    mesh.push(missed.peerIdString)
    assert.equal(await gate.admit(room, await seal({ ...say(1n, 2n, 'missed is ours'), direct: missing }), senderId), 'accept')
    assert.deepEqual(delivered, ['missed is not ours', 'missed is ours'])
    room.close()
  })

  it('a frame naming more unreached members than the bound is refused as malformed', async () => {
    const { room, gate, delivered, seal, join, say, senderId } = await gated(5000)
    assert.equal(await gate.admit(room, await seal(join(1n, 1n)), senderId), 'accept')
    const tooMany = { unreached: Array.from({ length: MAX_UNREACHED + 1 }, (_, i) => new Uint8Array([0, 1, i]) as Uint8Array<ArrayBuffer>) }
    assert.equal(await gate.admit(room, await seal({ ...say(1n, 1n, 'too many'), direct: tooMany }), senderId), 'reject')
    assert.equal(gate.stats['malformed-or-forged'], 1)
    assert.deepEqual(delivered, [])
    room.close()
  })
})

describe('messages whose author is not (yet) a member', () => {
  it('a message whose author\'s announcement comes after the gate stopped waiting is delivered once the announcement comes, after the join', async () => {
    const { room, gate, delivered, joined, seal, join, say } = await gated(20)
    // a loaded network: the messages overtake the JOIN by longer than the gate waits
    assert.equal(await gate.admit(room, await seal(say(1n, 1n, 'early one'))), 'ignore')
    assert.equal(await gate.admit(room, await seal(say(1n, 2n, 'early two'))), 'ignore')
    assert.deepEqual(delivered, [], 'nothing is delivered from a stranger')
    assert.equal(await gate.admit(room, await seal(join(1n, 1n, 2n))), 'accept')
    assert.deepEqual(joined, [['sender']])
    assert.deepEqual(delivered, ['early one', 'early two'], 'delivered in order once the author is a member')
    // they are delivered once: a copy that comes again is old news
    assert.equal(await gate.admit(room, await seal(say(1n, 1n, 'early one'))), 'ignore')
    assert.equal(await gate.admit(room, await seal(say(1n, 3n, 'live'))), 'accept')
    assert.deepEqual(delivered, ['early one', 'early two', 'live'])
    room.close()
  })

  it('a stranger\'s messages are kept within bounds, and each for the session it was signed in', async () => {
    const { room, gate, delivered, seal, join, say } = await gated(1)
    for (let seq = 1n; seq <= 70n; seq++) assert.equal(await gate.admit(room, await seal(say(1n, seq, `m${seq}`))), 'ignore')
    // one of another session waits for that session's announcement; one from before is dropped
    assert.equal(await gate.admit(room, await seal(say(2n, 1n, 'next session'))), 'ignore')
    assert.equal(await gate.admit(room, await seal(join(1n, 1n, 70n))), 'accept')
    // 64 kept per author, in all sessions: the newest 63 of session 1 and the one of session 2
    assert.deepEqual(delivered, Array.from({ length: 63 }, (_, i) => `m${i + 8}`), 'at most 64 kept per author: the newest, delivered in order')
    assert.equal(await gate.admit(room, await seal(join(2n, 2n))), 'accept')
    assert.equal(delivered.at(-1), 'next session')
    assert.equal(delivered.length, 64)
    room.close()
  })

  it('a stranger\'s kept messages expire: one that turns up much later gets nothing delivered', async () => {
    const { room, gate, delivered, joined, seal, join, say } = await gated(1)
    assert.equal(await gate.admit(room, await seal(say(1n, 1n, 'too old'))), 'ignore')
    room.sweep(Date.now() + 10 * 60_000)
    assert.equal(await gate.admit(room, await seal(join(1n, 1n, 1n))), 'accept')
    assert.deepEqual(joined, [['sender']])
    assert.deepEqual(delivered, [])
    room.close()
  })

  it('a member we took for gone that comes back in the same session gets exactly the messages we had not delivered', async () => {
    const { room, gate, delivered, left, seal, join, say } = await gated(1)
    assert.equal(await gate.admit(room, await seal(join(1n, 1n))), 'accept')
    assert.equal(await gate.admit(room, await seal(say(1n, 1n, 'm1'))), 'accept')
    assert.equal(await gate.admit(room, await seal(say(1n, 3n, 'm3'))), 'accept')
    assert.deepEqual(delivered, ['m1'], 'm3 waits for m2')
    // our process stalled: the member times out; what its gap held back is delivered, not dropped
    room.sweep(Date.now() + 60_000)
    assert.deepEqual(left, [['sender']])
    assert.deepEqual(delivered, ['m1', 'm3'])
    // its messages keep coming while it is taken for gone, and the one it missed turns up
    assert.equal(await gate.admit(room, await seal(say(1n, 4n, 'm4'))), 'ignore')
    assert.equal(await gate.admit(room, await seal(say(1n, 2n, 'm2'))), 'ignore')
    // a dial reached it: its next heartbeat counts again
    const lost = room.lost.get(room.lost.keys().next().value as string)
    assert.ok(lost != null)
    lost.reachable = true
    assert.equal(await gate.admit(room, await seal(join(1n, 2n, 4n, Announcement.Kind.HEARTBEAT))), 'accept')
    assert.deepEqual(delivered, ['m1', 'm3', 'm2', 'm4'], 'm2 and m4 are delivered, once')
    assert.equal(await gate.admit(room, await seal(say(1n, 1n, 'm1'))), 'ignore', 'what was delivered before is not delivered again')
    room.close()
  })
})

/**
 * A room with a gate in front of it, as the manager wires them, and a
 * sender with its own key: frames go through signature checks as on the wire.
 */
async function gated (strangerWait: number, meshPeers?: () => string[]): Promise<{
  room: Room
  gate: FrameGate
  delivered: string[]
  joined: string[][]
  left: string[][]
  seal: (frame: Frame) => Promise<Uint8Array>
  join: (session: bigint, seq: bigint, msgSeq?: bigint, kind?: Announcement.Kind) => Frame
  say: (session: bigint, seq: bigint, text: string) => Frame
  /** the sender's peer id: frames handed over by it came straight from their author */
  senderId: string
}> {
  const local = await signingIdentity(4242, 'me')
  const sender = await signingIdentity(4242, 'sender')
  const delivered: string[] = []
  const joined: string[][] = []
  const left: string[][] = []
  const room = new Room({
    roomID: 'r',
    localUserID: 'me',
    localPeerId: local.peerIdString,
    memberTimeout: 10_000,
    heartbeatInterval: 1000,
    reorderWindow: 100,
    maxMembers: 100,
    callbacks: roomCallbacks({
      message: (_r, m: ZIMMessage) => { delivered.push((m as ZIMMessage & { message: string }).message) },
      joined: (_r, users) => { joined.push(users.map(u => u.userID)) },
      left: (_r, users) => { left.push(users.map(u => u.userID)) }
    })
  })
  room.generation = { creator: local.peerIdString, creatorBytes: local.peerIdBytes, createdAt: 1 }
  room.connected = true
  const gate = new FrameGate({ codec: local.codec, messagesPerSecond: 1000, strangerWait, meshPeers })
  const seal = async (frame: Frame): Promise<Uint8Array> => sender.codec.seal('frame', encodeMessage(FrameCodec.codec(), frame))
  const join = (session: bigint, seq: bigint, msgSeq = 0n, kind = Announcement.Kind.JOIN): Frame => ({
    from: sender.peerIdBytes,
    roomID: 'r',
    session,
    // an address, so that a member timed out is remembered as lost (and redialled)
    announcement: { kind, seq, userID: 'sender', userName: 'S', msgSeq, timestamp: 1n, addrs: [multiaddr('/ip4/127.0.0.1/tcp/1').bytes as Uint8Array<ArrayBuffer>], roomName: '', destroyDelay: 0, goneUserID: '', goneSession: 0n, token: new Uint8Array(0), attributesDigest: new Uint8Array(0) }
  })
  const say = (session: bigint, seq: bigint, text: string): Frame => ({
    from: sender.peerIdBytes,
    roomID: 'r',
    session,
    message: { seq, timestamp: 1n, orderKey: 1024n * seq, type: 1, userID: 'sender', text, data: new Uint8Array(0), subType: 0, searchedContent: '', extendedData: '', priority: 1 }
  })
  return { room, gate, delivered, joined, left, seal, join, say, senderId: sender.peerIdString }
}
