/**
 * A raw libp2p/gossipsub node on the room topic attacks real roomsub peers:
 * replays, messages from non-members, thousands of fake users, floods and
 * oversize frames. Honest members' views and messages must not change.
 */
import assert from 'node:assert/strict'
import { describe, it, before, after } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { roomTopic } from '../src/rooms/topics.js'
import { FAST, Forger, captureFrames, freshAppID, peek, rewrap, startAttacker, startPeer, stopPeers, text, waitUntil } from './helpers.js'
import type { Attacker, Peer } from './helpers.js'

async function memberIDs (peer: Peer, roomID: string): Promise<string[]> {
  const { memberList } = await peer.zim.queryRoomMemberList(roomID, { nextFlag: '', count: 100 })
  return memberList.map(m => m.userID).sort()
}

/** gossipsub's own score of `peer` at `at` (the class has it; the exported interface does not) */
function gossipScore (at: Peer, peer: string): number {
  return (at.node.services.pubsub as unknown as { getScore(id: string): number }).getScore(peer)
}

function stat (peer: Peer, reason: string): number {
  return peer.zim.frameStats()[reason] ?? 0
}

describe('hostile peers', () => {
  const appID = freshAppID()
  const room = 'under-attack'
  const topic = roomTopic(appID, room)
  const peers: Peer[] = []
  let attacker: Attacker
  let captured: Uint8Array[]

  before(async () => {
    peers.push(await startPeer('alice', { appID, ...FAST, maxRoomMembers: 40 }))
    peers.push(await startPeer('bob', { appID, ...FAST, maxRoomMembers: 40, bootstrap: [peers[0].addr] }))
    await peers[0].zim.createRoom({ roomID: room, roomName: '' })
    await peers[1].zim.joinRoom(room)
    attacker = await startAttacker(peers[0], topic)
    // connected to both: members' frames marked sent-to-all are not forwarded, so an eavesdropper
    // captures only what reaches it from the author itself
    await attacker.node.dial(multiaddr(peers[1].addr))
    await waitUntil('bob sees the attacker on the topic', () => peers[1].node.services.pubsub.getSubscribers(topic).some(id => id.equals(attacker.node.peerId)))
    captured = captureFrames(attacker, topic)
  })
  after(async () => {
    await attacker.node.stop()
    await stopPeers(peers)
  })

  it('replayed announcements of a member who left change nobody\'s list and fire no event', async () => {
    const [alice, bob] = peers
    const carol = await startPeer('carol', { appID, ...FAST, bootstrap: [alice.addr] })
    try {
      await carol.zim.joinRoom(room)
      await alice.events.waitFor('alice sees carol', () => alice.events.joinedUsers(room).includes('carol'))
      await waitUntil('the attacker captured carol\'s announcements', () => captured.some(f => peek(f).announcement?.userID === 'carol'))
      await carol.zim.leaveRoom(room)
      await alice.events.waitFor('alice sees carol leave', () => alice.events.leftUsers(room).includes('carol'))
      await bob.events.waitFor('bob sees carol leave', () => bob.events.leftUsers(room).includes('carol'))
    } finally {
      await stopPeers([carol])
    }
    const carols = captured.filter(f => peek(f).announcement?.userID === 'carol')
    const before = stat(alice, 'announcement-ignored')
    for (const [i, frame] of carols.entries()) {
      await attacker.node.services.pubsub.publish(topic, rewrap(frame, i))
    }
    await waitUntil('alice ignored every replay', () => stat(alice, 'announcement-ignored') - before >= carols.length)
    for (const p of [alice, bob]) {
      assert.deepEqual(await memberIDs(p, room), ['alice', 'bob'])
      assert.equal(p.events.joinedUsers(room).filter(u => u === 'carol').length, 1, 'carol was reported joined once, by her real join')
    }
  })

  it('a replayed chat message is not delivered a second time', async () => {
    const [alice, bob] = peers
    await bob.zim.sendMessage(text('say it once'), room, 1, { priority: 1 })
    await alice.events.waitFor('alice gets the message', () => alice.events.textsFrom('bob').includes('say it once'))
    await waitUntil('the attacker captured it', () => captured.some(f => peek(f).message?.text === 'say it once'))
    const original = captured.find(f => peek(f).message?.text === 'say it once') as Uint8Array
    const before = stat(alice, 'message-ignored')
    for (let i = 0; i < 3; i++) await attacker.node.services.pubsub.publish(topic, rewrap(original, i))
    await waitUntil('alice ignored the replays', () => stat(alice, 'message-ignored') - before >= 3)
    assert.equal(alice.events.textsFrom('bob').filter(t => t === 'say it once').length, 1)
  })

  it('a message from a peer that never joined the room is not delivered', async () => {
    const [alice, bob] = peers
    const forger = new Forger(appID, attacker.key)
    const before = stat(alice, 'message-ignored')
    await attacker.node.services.pubsub.publish(topic, await forger.seal(forger.message(room, 'mallory', 1n, 'let me in')))
    await waitUntil('alice ignored it', () => stat(alice, 'message-ignored') > before)
    // what bob sends after it still arrives, and nothing from mallory ever does
    await bob.zim.sendMessage(text('after mallory'), room, 1, { priority: 1 })
    await alice.events.waitFor('bob\'s next message arrives', () => alice.events.textsFrom('bob').includes('after mallory'))
    assert.deepEqual(alice.events.textsFrom('mallory'), [])
  })

  it('thousands of fake users cannot grow the member table past its bound, and they expire', async () => {
    const [alice] = peers
    // one key speaking as many users: only its first userID is taken
    const one = new Forger(appID, attacker.key)
    for (let i = 0; i < 50; i++) {
      await attacker.node.services.pubsub.publish(topic, await one.seal(one.announcement(room, `alias-${i}`, { seq: BigInt(i + 1) })))
    }
    // many keys, a user each: the table stops at maxRoomMembers (40)
    const forgers = await Promise.all(Array.from({ length: 1000 }, async () => new Forger(appID, await generateKeyPair('Ed25519'))))
    for (const [i, f] of forgers.entries()) {
      await attacker.node.services.pubsub.publish(topic, await f.seal(f.announcement(room, `fake-${i}`)))
    }
    await waitUntil('alice refused the surplus', () => stat(alice, 'announcement-ignored') + stat(alice, 'announcement-rejected') >= 1000)
    const { count } = await alice.zim.queryRoomOnlineMemberCount(room)
    assert.ok(count <= 40, `member table bounded: ${count}`)
    const listed = await alice.zim.queryRoomMemberList(room, { nextFlag: '', count: 100 })
    assert.ok(listed.memberList.filter(m => m.userID.startsWith('alias-')).length <= 1, 'one key holds one userID')
    assert.ok(listed.memberList.some(m => m.userID === 'bob'), 'honest members stay')
    // silent fakes are swept after the member timeout: memory comes back
    const fakes = listed.memberList.filter(m => m.userID.startsWith('fake-') || m.userID.startsWith('alias-')).length
    await alice.events.waitFor('the fakes expire', () => alice.events.leftUsers(room).filter(u => u.startsWith('fake-') || u.startsWith('alias-')).length >= fakes, 15_000)
    assert.deepEqual(await memberIDs(alice, room), ['alice', 'bob'])
  })

  it('frames for thousands of other rooms leave no trace: refused on our topic, never subscribed elsewhere', async () => {
    const [alice] = peers
    // a second attacker: these refusals cost it its connection, which the other tests still need
    const other = await startAttacker(alice, topic)
    try {
      const forger = new Forger(appID, other.key)
      const before = stat(alice, 'wrong-room-or-shape')
      const topicsBefore = alice.node.services.pubsub.getTopics().length
      for (let i = 0; i < 500; i++) {
        const roomID = `fake-room-${i}`
        // on our topic, naming another room
        await other.node.services.pubsub.publish(topic, await forger.seal(forger.announcement(roomID, `ghost-${i}`))).catch(() => {})
        // and on that room's own topic, which alice never joined
        await other.node.services.pubsub.publish(roomTopic(appID, roomID), await forger.seal(forger.announcement(roomID, `ghost-${i}`))).catch(() => {})
      }
      await waitUntil('alice refused what reached her, then cut the sender off', () =>
        stat(alice, 'wrong-room-or-shape') - before >= 8 && alice.node.getConnections().every(c => !c.remotePeer.equals(other.node.peerId)))
      assert.equal(alice.node.services.pubsub.getTopics().length, topicsBefore, 'alice subscribes to no new topic')
      assert.deepEqual(await memberIDs(alice, room), ['alice', 'bob'])
      assert.ok(alice.events.joinedUsers(room).every(u => !u.startsWith('ghost-')))
    } finally {
      await other.node.stop()
    }
  })

  it('a flood over the rate limit and oversize frames are refused, cost the flooder its score and connection, and honest messages keep flowing', async () => {
    const [alice, bob] = peers
    const forger = new Forger(appID, attacker.key)
    // the flooder joins properly, under a fresh session, then floods from its own key
    const session = BigInt(Date.now()) * 1000n
    await attacker.node.services.pubsub.publish(topic, await forger.seal(forger.announcement(room, 'flooder', { seq: session }, session)))
    await alice.events.waitFor('alice sees the flooder join', () => alice.events.joinedUsers(room).includes('flooder'))
    const attackerId = attacker.node.peerId.toString()
    const sent = new Map<string, number>()
    const latencies: number[] = []
    alice.zim.on('roomMessageReceived', (_z, { messageList }) => {
      for (const m of messageList) {
        const t = sent.get((m as { message?: string }).message ?? '')
        if (t != null) latencies.push(Date.now() - t)
      }
    })
    const honest = (async () => {
      for (let i = 0; i < 20; i++) {
        const body = `honest-${i}`
        sent.set(body, Date.now())
        await bob.zim.sendMessage(text(body), room, 1, { priority: 1 })
        // under ZIM's 10 a second
        await new Promise(resolve => setTimeout(resolve, 120))
      }
    })()
    const flood = (async () => {
      for (let i = 0; i < 2000; i++) {
        await attacker.node.services.pubsub.publish(topic, await forger.seal(forger.message(room, 'flooder', BigInt(i + 1), `flood-${i}`, session))).catch(() => {})
        if (i % 100 === 0) {
          await attacker.node.services.pubsub.publish(topic, new Uint8Array(60 * 1024).fill(i & 0xff)).catch(() => {})
        }
      }
    })()
    await Promise.all([honest, flood])
    await alice.events.waitFor('every honest message arrives', () => latencies.length === 20)
    latencies.sort((a, b) => a - b)
    assert.ok(latencies[latencies.length - 1] < 2000, `honest latency bounded during the flood: ${latencies.join(',')}`)
    const delivered = alice.events.textsFrom('flooder').length
    assert.ok(delivered <= 40, `at most the burst and the rate of the flood is delivered: ${delivered}`)
    assert.ok(stat(alice, 'rate-exceeded') > 0)
    assert.ok(stat(alice, 'oversize') > 0, 'oversize frames refused')
    const score = gossipScore(alice, attackerId)
    assert.ok(score <= -80, `gossipsub score fell to the graylist: ${score}`)
    await waitUntil('alice hung up on the flooder', () => alice.node.getConnections().every(c => c.remotePeer.toString() !== attackerId))
    assert.ok(stat(alice, 'peer-disconnected') >= 1)
    // and the room still works both ways
    await alice.zim.sendMessage(text('after the flood'), room, 1, { priority: 1 })
    await bob.events.waitFor('bob hears alice', () => bob.events.textsFrom('alice').includes('after the flood'))
  })
})
