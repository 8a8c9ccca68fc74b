import assert from 'node:assert/strict'
import { describe, it, before, after } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ZIMErrorCode } from '../src/index.js'
import { directProtocol, roomTopic } from '../src/rooms/topics.js'
import { encodeDirectFrame } from '../src/rooms/direct-links.js'
import { AuthorCache, createSigner } from '../src/wire/keys.js'
import { EnvelopeCodec } from '../src/wire/envelope.js'
import { Announcement, Envelope, Frame } from '../src/wire/roomsub.js'
import { FAST, Forger, eventually, freshAppID, peek, rejectsWith, requestHistory, startAttacker, startPeer, stopPeers, text, waitUntil } from './helpers.js'
import type { Attacker, Peer } from './helpers.js'

describe('signed frames', () => {
  const appID = freshAppID()
  const peers: Peer[] = []
  before(async () => {
    peers.push(await startPeer('alice', { appID, ...FAST }))
    peers.push(await startPeer('bob', { appID, ...FAST, bootstrap: [peers[0].addr] }))
    await peers[0].zim.createRoom({ roomID: 'guarded', roomName: '' })
    await peers[1].zim.joinRoom('guarded')
  })
  after(async () => { await stopPeers(peers) })

  it('forged, mis-signed, malformed and wrong-room frames are rejected, counted, and change nothing', async () => {
    const [alice, bob] = peers
    const topic = roomTopic(appID, 'guarded')
    const { node, key } = await startAttacker(alice, topic)
    try {
      const attacker = new EnvelopeCodec(appID, new AuthorCache(), createSigner(peerIdFromPrivateKey(key), key))
      const from = attacker.self.peerIdBytes as Uint8Array<ArrayBuffer>
      const join = (userID: string, roomID = 'guarded'): Frame => ({
        from, roomID, session: 1n,
        announcement: { kind: Announcement.Kind.JOIN, seq: 1n, userID, userName: 'evil', msgSeq: 0n, timestamp: BigInt(Date.now()), addrs: [], roomName: '', destroyDelay: 0, goneUserID: '', goneSession: 0n, token: new Uint8Array(0), attributesDigest: new Uint8Array(0) }
      })
      const statsBefore = alice.zim.frameStats()
      // 1. an announcement for bob, signed by the attacker's own key: bob's userID is bound to bob's key
      await node.services.pubsub.publish(topic, await attacker.seal('frame', Frame.encode(join('bob'))))
      // 2. a frame claiming to be from bob's peer, signed by the attacker
      const asBob = { ...join('mallory'), from: bob.peerId.toMultihash().bytes as Uint8Array<ArrayBuffer> }
      await node.services.pubsub.publish(topic, await attacker.seal('frame', Frame.encode(asBob)))
      // 3. no signature at all
      await node.services.pubsub.publish(topic, Envelope.encode({ body: Frame.encode(join('nosig')), signature: new Uint8Array(0) }))
      // 4. bytes that are no protobuf
      await node.services.pubsub.publish(topic, new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02]))
      // 5. a frame for another room, replayed onto this topic
      await node.services.pubsub.publish(topic, await attacker.seal('frame', Frame.encode(join('eve', 'other-room'))))
      // 6. a leave for alice, signed by the attacker
      await node.services.pubsub.publish(topic, await attacker.seal('frame', Frame.encode({ ...join('alice'), announcement: { ...join('alice').announcement!, kind: Announcement.Kind.LEAVE } })))
      // 7. a chat message claiming to come from bob
      await node.services.pubsub.publish(topic, await attacker.seal('frame', Frame.encode({
        from, roomID: 'guarded', session: 1n,
        message: { seq: 1n, timestamp: 1n, orderKey: 1n, type: 1, userID: 'bob', text: 'I am bob', data: new Uint8Array(0), subType: 0, searchedContent: '', extendedData: '', priority: 1 }
      })))
      await waitUntil('alice counted the seven frames', () => {
        const s = alice.zim.frameStats()
        const total = (k: string): number => (s[k] ?? 0) - (statsBefore[k] ?? 0)
        return total('malformed-or-forged') + total('announcement-rejected') + total('wrong-room-or-shape') + total('message-rejected') + total('message-ignored') >= 7
      })
      const s = alice.zim.frameStats()
      assert.ok((s['malformed-or-forged'] ?? 0) >= 3, `bad signatures and garbage counted: ${JSON.stringify(s)}`)
      assert.ok((s['announcement-rejected'] ?? 0) >= 2, 'announcements for users bound to other keys are rejected')
      assert.ok((s['wrong-room-or-shape'] ?? 0) >= 1)
      assert.ok((s['message-rejected'] ?? 0) >= 1, 'a message claiming another sender is rejected')
      // nobody's view changed, nothing was delivered
      for (const p of peers) {
        const { memberList } = await p.zim.queryRoomMemberList('guarded', { nextFlag: '', count: 100 })
        assert.deepEqual(memberList.map(m => m.userID), ['alice', 'bob'])
        assert.deepEqual(p.events.leftUsers('guarded'), [])
        assert.equal(p.events.messages.length, 0)
      }
      // the room still works for the honest members
      await bob.zim.sendMessage(text('still here'), 'guarded', 1, { priority: 1 })
      await alice.events.waitFor('alice gets bob\'s message', () => alice.events.textsFrom('bob').includes('still here'))
    } finally {
      await node.stop()
    }
  })

  it('a second peer logging in with a userID already in the room cannot join it (first key wins)', async () => {
    const [alice] = peers
    const impostor = await startPeer('bob', { appID, ...FAST, bootstrap: [alice.addr] })
    try {
      await rejectsWith(impostor.zim.joinRoom('guarded'), ZIMErrorCode.RoomModuleUserIsAlreadyInTheRoom)
      const { memberList } = await alice.zim.queryRoomMemberList('guarded', { nextFlag: '', count: 100 })
      assert.deepEqual(memberList.map(m => m.userID), ['alice', 'bob'])
      assert.deepEqual(alice.events.joinedUsers('guarded'), ['bob'], 'no second bob was ever reported')
    } finally {
      await stopPeers([impostor])
    }
  })

  /** malformed-or-forged refusals a peer counted */
  const forged = (p: Peer): number => p.zim.frameStats()['malformed-or-forged'] ?? 0

  /** Envelope bytes whose signature, the envelope's last field, is broken and nothing else. */
  function breakSignature (sealed: Uint8Array): Uint8Array {
    const broken = sealed.slice()
    broken[broken.length - 1] ^= 0xff
    return broken
  }

  /**
   * A hostile member `userID` on its own node, connected to alice only: it joins (bob hears of it
   * through alice), `act` runs, and it leaves.
   */
  async function asHostileMember (userID: string, act: (m: { forger: Forger, session: bigint, publish: (bytes: Uint8Array) => Promise<unknown>, attacker: Attacker }) => Promise<void>): Promise<void> {
    const [alice, bob] = peers
    const topic = roomTopic(appID, 'guarded')
    const attacker = await startAttacker(alice, topic)
    try {
      const forger = new Forger(appID, attacker.key)
      const session = BigInt(Date.now()) * 1000n
      const publish = async (bytes: Uint8Array): Promise<unknown> => attacker.node.services.pubsub.publish(topic, bytes)
      await publish(await forger.seal(forger.announcement('guarded', userID, { seq: session }, session)))
      await bob.events.waitFor(`bob sees ${userID} join through alice`, () => bob.events.joinedUsers('guarded').includes(userID))
      await act({ forger, session, publish, attacker })
      await publish(await forger.seal(forger.announcement('guarded', userID, { kind: Announcement.Kind.LEAVE, seq: session + 1n }, session)))
      await alice.events.waitFor(`${userID} leaves`, () => alice.events.leftUsers('guarded').includes(userID))
    } finally {
      await attacker.node.stop()
    }
  }

  it('a member\'s own message with a bad signature, handed over by its author, is refused after delivery: neither passed on nor kept', async () => {
    const [alice, bob] = peers
    await asHostileMember('marvin', async ({ forger, session, publish }) => {
      const [aliceBefore, bobBefore] = [forged(alice), forged(bob)]
      await publish(breakSignature(await forger.seal(forger.message('guarded', 'marvin', 1n, 'badly signed', session))))
      await waitUntil('alice checked the signature and refused the frame', () => forged(alice) > aliceBefore)
      // the frame came from its author over a Noise connection: the content is marvin's own, delivered before the check
      assert.ok(alice.events.textsFrom('marvin').includes('badly signed'))
      await publish(await forger.seal(forger.message('guarded', 'marvin', 2n, 'well signed', session)))
      await bob.events.waitFor('bob gets marvin\'s next message through alice', () => bob.events.textsFrom('marvin').includes('well signed'))
      assert.equal(forged(bob), bobBefore, 'alice did not pass the badly signed frame on (bob would have refused it)')
      assert.ok(!bob.events.textsFrom('marvin').includes('badly signed'))
      const { messageList } = await alice.zim.queryHistoryMessage('guarded', 1, { count: 100, reverse: true })
      const kept = messageList.map(m => (m as { message?: string }).message)
      assert.ok(kept.includes('well signed'), 'history holds marvin\'s good message')
      assert.ok(!kept.includes('badly signed'), 'and not the badly signed one')
    })
  })

  it('a badly signed message its author marked as sent to all is delivered, then refused, counted and forgotten when a member asks for history: never handed on', async () => {
    const [alice, bob] = peers
    const said = 'badly signed, sent to all'
    const has = (list: Array<{ message?: unknown }>): boolean => list.some(m => m.message === said)
    await asHostileMember('mallory', async ({ forger, session, publish }) => {
      const aliceBefore = forged(alice)
      await publish(breakSignature(await forger.seal({ ...forger.message('guarded', 'mallory', 1n, said, session), direct: { unreached: [] } })))
      await alice.events.waitFor('alice gets it from its author', () => alice.events.textsFrom('mallory').includes(said))
      const { messageList } = await bob.zim.queryHistoryMessage('guarded', 1, { count: 100, reverse: true })
      assert.ok(!has(messageList as Array<{ message?: unknown }>), 'bob\'s history page from alice lacks it')
      assert.equal(forged(alice), aliceBefore + 1, 'alice checked it when asked, and counted it')
      const own = await alice.zim.queryHistoryMessage('guarded', 1, { count: 100, reverse: true })
      assert.ok(!has(own.messageList as Array<{ message?: unknown }>), 'alice forgot it')
      assert.ok(!bob.events.textsFrom('mallory').includes(said), 'alice never passed it on')
    })
  })

  it('a message sent bare on its author\'s direct link is delivered at once, and handed on only once a Seal that holds came', async () => {
    const [alice, bob] = peers
    const history = async (p: Peer): Promise<unknown[]> => (await p.zim.queryHistoryMessage('guarded', 1, { count: 100, reverse: true })).messageList.map(m => (m as { message?: unknown }).message)
    await asHostileMember('oscar', async ({ forger, session, attacker }) => {
      const link = await attacker.node.dialProtocol(alice.peerId, directProtocol(appID))
      const bare = (seq: bigint, said: string): Uint8Array => Frame.encode({ ...forger.message('guarded', 'oscar', seq, said, session), direct: { unreached: [] } })
      const sealOf = async (seq: bigint, body: Uint8Array): Promise<{ session: bigint, seq: bigint, signature: Uint8Array<ArrayBuffer> }> =>
        ({ session, seq, signature: (await forger.codec.sign('frame', body)).signature })
      await alice.zim.sendMessage(text('alice, before oscar speaks'), 'guarded', 1, { priority: 1 })
      // 1. a body whose Seal never comes
      link.send(encodeDirectFrame('guarded', { body: bare(1n, 'never sealed') }))
      await alice.events.waitFor('alice delivers it on the link\'s word', () => alice.events.textsFrom('oscar').includes('never sealed'))
      assert.ok((await history(alice)).includes('never sealed'), 'alice reads it in her own history')
      assert.ok(!(await history(bob)).includes('never sealed'), 'but hands nobody a message without its signature')
      // a page is cut from what may be handed out: the newest, unsealed, does not leave a page of one empty
      const newest = await requestHistory(attacker.node, alice, { roomID: 'guarded', count: 1 })
      assert.deepEqual(newest?.map(e => peek(e).message?.text), ['alice, before oscar speaks'])
      // 2. a body whose Seal does not hold, riding on the next body, as a sender's do
      const second = bare(2n, 'badly sealed')
      link.send(encodeDirectFrame('guarded', { body: second }))
      const broken = await sealOf(2n, second)
      broken.signature = broken.signature.slice()
      broken.signature[0] ^= 0xff
      const third = bare(3n, 'sealed')
      link.send(encodeDirectFrame('guarded', { body: third, seals: [broken] }))
      // 3. and the third's good Seal, alone
      link.send(encodeDirectFrame('guarded', { seals: [await sealOf(3n, third)] }))
      await alice.events.waitFor('alice delivers both', () => alice.events.textsFrom('oscar').includes('sealed'))
      const before = forged(alice)
      await eventually('bob reads the sealed one from alice', async () => (await history(bob)).includes('sealed'))
      const bobs = await history(bob)
      assert.ok(!bobs.includes('badly sealed') && !bobs.includes('never sealed'), 'only the message whose Seal holds was handed on')
      assert.equal(forged(alice), before + 1, 'the Seal that does not hold was checked when asked for, and counted')
      assert.ok(!(await history(alice)).includes('badly sealed'), 'and alice forgot that message')
      assert.deepEqual(bob.events.textsFrom('oscar'), [], 'nothing of it was passed on live')
    })
  })
})
