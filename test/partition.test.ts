/**
 * Partitions, in one process: connections between two groups are closed and
 * refused, then allowed again. Nobody tells the peers the network healed;
 * they find each other again by themselves.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ZIMRoomState } from '../src/index.js'
import { roomTopic } from '../src/rooms/topics.js'
import { FAST, startPartition, startPeers, stopPeers, text, waitUntil } from './helpers.js'
import type { Peer } from './helpers.js'

const BOUND = FAST.memberTimeout! + FAST.heartbeatInterval! * 4

function count (list: string[], userID: string): number {
  return list.filter(u => u === userID).length
}

async function everyoneHears (from: Peer, to: Peer[], roomID: string, body: string): Promise<void> {
  await from.zim.sendMessage(text(body), roomID, 1, { priority: 1 })
  for (const p of to) await p.events.waitFor(`${p.userID} hears ${from.userID}`, () => p.events.textsFrom(from.userID).includes(body))
}

/**
 * Three peers in room `roomID`, all seeing each other; then the state two members of a 50-member room
 * in one process were left in after a loaded node's connections churned: gossipsub at one end (peers[1],
 * stale) still held an outbound stream whose connection had gone (it opens no new one while it holds
 * one), so the other end (peers[2], deaf) never got its subscription. Made here at once: the stream's
 * writes go nowhere, and deaf forgets the subscription. Returns the room's topic.
 */
async function staleStreamInRoom (peers: Peer[], roomID: string): Promise<string> {
  const [creator, stale, deaf] = peers
  await creator.zim.createRoom({ roomID, roomName: '' })
  for (const p of peers.slice(1)) await p.zim.joinRoom(roomID)
  for (const p of peers) {
    await p.events.waitFor(`${p.userID} sees everyone`, () => new Set(p.events.joinedUsers(roomID)).size === peers.length - 1)
  }
  const topic = roomTopic(stale.appID, roomID)
  const outbound = (stale.node.services.pubsub as unknown as { streamsOutbound: Map<string, { rawStream: { send: (data: Uint8Array) => boolean } }> }).streamsOutbound.get(deaf.peerId.toString())
  assert.ok(outbound != null, 'gossipsub holds a stream from stale to deaf')
  outbound.rawStream.send = () => true
  const topics = (deaf.node.services.pubsub as unknown as { topics: Map<string, Set<string>> }).topics
  topics.get(topic)?.delete(stale.peerId.toString())
  return topic
}

describe('partitions', () => {
  it('each side reports the other left, and after healing membership converges with each change reported once', async () => {
    const { all, sides: [a, b], cut, heal } = await startPartition([3, 3])
    try {
      await all[0].zim.createRoom({ roomID: 'split', roomName: '' })
      for (const p of all.slice(1)) await p.zim.joinRoom('split')
      for (const p of all) {
        await p.events.waitFor(`${p.userID} sees everyone`, () => new Set(p.events.joinedUsers('split')).size === all.length - 1)
      }
      const cutAt = Date.now()
      await cut()
      for (const [mine, theirs] of [[a, b], [b, a]]) {
        for (const p of mine) {
          await p.events.waitFor(`${p.userID} sees the other side leave`, () => theirs.every(o => p.events.leftUsers('split').includes(o.userID)), BOUND * 3)
        }
      }
      const took = Date.now() - cutAt
      assert.ok(took <= BOUND, `both sides reported the split in ${took} ms (bound ${BOUND} ms)`)
      // each side goes on chatting on its own
      await everyoneHears(a[0], a.slice(1), 'split', 'side a alone')
      await everyoneHears(b[0], b.slice(1), 'split', 'side b alone')

      heal()
      for (const [mine, theirs] of [[a, b], [b, a]]) {
        for (const p of mine) {
          await p.events.waitFor(`${p.userID} sees the other side back`, () => theirs.every(o => count(p.events.joinedUsers('split'), o.userID) >= 2), 20_000)
            .catch(err => { throw new Error(`${String(err)}; ${p.userID} saw joins ${p.events.joinedUsers('split').join(',')} and leaves ${p.events.leftUsers('split').join(',')}`) })
        }
      }
      for (const p of all) {
        const { memberList } = await p.zim.queryRoomMemberList('split', { nextFlag: '', count: 100 })
        assert.equal(memberList.length, all.length, `${p.userID} lists everyone, itself included`)
        for (const o of all.filter(o => o !== p)) {
          assert.equal(count(p.events.leftUsers('split'), o.userID), (a.includes(p) === a.includes(o)) ? 0 : 1, `${p.userID} reported ${o.userID} left once at most`)
          assert.equal(count(p.events.joinedUsers('split'), o.userID), (a.includes(p) === a.includes(o)) ? 1 : 2, `${p.userID} reported ${o.userID} joined once per change`)
        }
      }
      await everyoneHears(a[0], all.filter(p => p !== a[0]), 'split', 'together again from a')
      await everyoneHears(b[0], all.filter(p => p !== b[0]), 'split', 'together again from b')
    } finally {
      await stopPeers(all)
    }
  })

  it('racing creators on both sides of a partition: after healing one room, one winner everywhere, and the loser\'s members are told', async () => {
    const { all, sides: [a, b], cut, heal } = await startPartition([2, 2])
    try {
      await cut()
      await Promise.all([a[0].zim.createRoom({ roomID: 'race', roomName: 'from a' }), b[0].zim.createRoom({ roomID: 'race', roomName: 'from b' })])
      await a[1].zim.joinRoom('race')
      await b[1].zim.joinRoom('race')
      heal()
      // the later creation loses; its members are told the room is gone for them
      const lost = (side: Peer[]): boolean => side.every(p => p.events.roomStates.some(s => s.roomID === 'race' && s.state === ZIMRoomState.Disconnected))
      await all[0].events.waitFor('one side is told it lost', () => lost(a) || lost(b), 20_000)
      const loserSide = lost(a) ? a : b
      const winnerSide = loserSide === a ? b : a
      for (const p of winnerSide) {
        assert.ok(!p.events.roomStates.some(s => s.roomID === 'race' && s.state === ZIMRoomState.Disconnected), `${p.userID} on the winning side stays in`)
      }
      // the losers enter the one room that is left: the winner's, with its name
      for (const p of loserSide) {
        const { roomInfo } = await p.zim.enterRoom({ roomID: 'race', roomName: 'ignored' })
        assert.equal(roomInfo.baseInfo.roomName, winnerSide === a ? 'from a' : 'from b')
      }
      for (const p of all) {
        await p.events.waitFor(`${p.userID} sees the whole room`, () => all.every(o => o === p || p.events.joinedUsers('race').includes(o.userID)))
        const { memberList } = await p.zim.queryRoomMemberList('race', { nextFlag: '', count: 100 })
        assert.equal(memberList.length, all.length, `${p.userID} is in the single room with everyone`)
      }
      await everyoneHears(loserSide[0], all.filter(p => p !== loserSide[0]), 'race', 'one room')
    } finally {
      await stopPeers(all)
    }
  })

  it('a member whose gossipsub stream to another outlived its connection is heard again: the other resets the connection once', async () => {
    const peers = await startPeers(3)
    try {
      const [, stale, deaf] = peers
      await staleStreamInRoom(peers, 'stale')
      // stale's heartbeats go into the dead stream and nobody forwards them (stale takes deaf for a
      // subscriber): deaf takes stale for gone, and, once it finds stale connected but not on the topic,
      // resets the connection
      await deaf.events.waitFor('deaf takes stale for gone', () => deaf.events.leftUsers('stale').includes(stale.userID), FAST.memberTimeout! * 4)
      await deaf.events.waitFor('deaf hears stale again', () => deaf.events.joinedUsers('stale').filter(u => u === stale.userID).length === 2, 15_000)
      for (const [p, q] of [[stale, deaf], [deaf, stale]]) {
        await q.zim.sendMessage(text(`from ${q.userID} after`), 'stale', 1, { priority: 1 })
        await p.events.waitFor(`${p.userID} hears ${q.userID}`, () => p.events.textsFrom(q.userID).includes(`from ${q.userID} after`))
      }
      // and it lasts: two member timeouts later deaf still lists stale, taken for gone once
      const mended = Date.now()
      await waitUntil('two member timeouts pass', () => Date.now() - mended > FAST.memberTimeout! * 2, FAST.memberTimeout! * 2 + 1000)
      const { memberList } = await deaf.zim.queryRoomMemberList('stale', { nextFlag: '', count: 100 })
      assert.ok(memberList.some(m => m.userID === stale.userID), 'deaf lists stale')
      assert.equal(deaf.events.leftUsers('stale').filter(u => u === stale.userID).length, 1)
    } finally {
      await stopPeers(peers)
    }
  })

  it('a member connected to us but off the room\'s topic is reset before it could be taken for gone', async () => {
    // memberTimeout well above the reset's wait (half of it): the reset comes first
    const memberTimeout = 5000
    const peers = await startPeers(3, { config: { memberTimeout } })
    try {
      const [, stale, deaf] = peers
      const topic = await staleStreamInRoom(peers, 'offtopic')
      const broken = Date.now()
      await waitUntil('deaf has stale on the topic again', () => deaf.node.services.pubsub.getSubscribers(topic).some(p => p.equals(stale.peerId)), memberTimeout)
      const healed = Date.now() - broken
      assert.ok(healed < memberTimeout, `healed after ${healed} ms, before the ${memberTimeout} ms expiry`)
      // heard again: two member timeouts later deaf still lists stale, and neither ever took the other for gone
      await waitUntil('two member timeouts pass', () => Date.now() - broken > memberTimeout * 2, memberTimeout * 2 + 1000)
      const { memberList } = await deaf.zim.queryRoomMemberList('offtopic', { nextFlag: '', count: 100 })
      assert.ok(memberList.some(m => m.userID === stale.userID), 'deaf lists stale')
      assert.deepEqual(deaf.events.leftUsers('offtopic'), [])
      assert.deepEqual(stale.events.leftUsers('offtopic'), [])
    } finally {
      await stopPeers(peers)
    }
  })
})
