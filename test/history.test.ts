/**
 * History for late joiners, with no server: members keep a bounded window of
 * recent messages, a member asks a few room peers for pages of it, and what
 * every holder has dropped (or taken away when leaving) is gone.
 */
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, it, before, after } from 'node:test'
import { ZIM, ZIMConversationType, ZIMErrorCode, ZIMMessageDirection, ZIMMessageType } from '../src/index.js'
import { roomTopic } from '../src/rooms/topics.js'
import { messageIDOf } from '../src/rooms/room.js'
import { HistoryWindow, compareKeys, selectPage } from '../src/history/store.js'
import { HistoryRequest, HistoryResponse } from '../src/wire/roomsub.js'
import {
  FAST, Forger, captureFrames, countLinkedMessages, eventually, freshAppID, linksFrom, pageThroughHistory, peek, rawHistoryExchange, rejectsWith, requestHistory, rewrap,
  serveHistory, startAttacker, startPeer, startPeers, stopPeers, text, waitUntil
} from './helpers.js'
import type { Attacker, Peer } from './helpers.js'
import type { ZIMMessage } from '../src/index.js'

const ROOM = ZIMConversationType.Room

function stat (peer: Peer, reason: string): number {
  return peer.zim.frameStats()[reason] ?? 0
}

function ids (messages: ZIMMessage[]): string[] {
  return messages.map(m => m.messageID ?? '')
}

function ascending (messages: ZIMMessage[]): boolean {
  return messages.every((m, i) => i === 0 || (m.orderKey ?? 0) >= (messages[i - 1].orderKey ?? 0))
}

function body (m: ZIMMessage): unknown {
  return (m as ZIMMessage & { message: unknown }).message
}

describe('history for late joiners', () => {
  let peers: Peer[] = []
  /** every kept message the members sent, in the order they were sent */
  const sent: ZIMMessage[] = []
  before(async () => {
    peers = await startPeers(4, { config: { messageRateLimit: 1000 } })
    const [a, b, c] = peers
    await a.zim.createRoom({ roomID: 'hist', roomName: '' })
    await b.zim.joinRoom('hist')
    await c.zim.joinRoom('hist')
    for (let i = 0; i < 6; i++) {
      for (const p of [a, b, c]) {
        const { message } = await p.zim.sendMessage(text(`${p.userID}:${i}`), 'hist', ROOM, { priority: 1 })
        sent.push(message)
      }
      // barrages are shown live and never kept
      await b.zim.sendMessage({ type: ZIMMessageType.Barrage, message: `whoosh ${i}` }, 'hist', ROOM, { priority: 1 })
    }
    const { message: command } = await c.zim.sendMessage({ type: ZIMMessageType.Command, message: new Uint8Array([1, 2, 3]) }, 'hist', ROOM, { priority: 1 })
    sent.push(command)
    for (const p of [a, b, c]) {
      // 12 kept messages and 6 barrages from the other two
      const others = sent.filter(m => m.senderUserID !== p.userID).length + (p === b ? 0 : 6)
      await p.events.waitFor(`${p.userID} has the others' messages`, () => p.events.messages.length >= others)
    }
  })
  after(async () => { await stopPeers(peers) })

  it('a late joiner pages through what was said before it came, both ways, each message once, ordered by orderKey', async () => {
    const joiner = peers[3]
    await joiner.zim.joinRoom('hist')
    const newestFirst = await pageThroughHistory(joiner, 'hist', true, 4)
    const oldestFirst = await pageThroughHistory(joiner, 'hist', false, 4)
    assert.deepEqual(newestFirst.map(p => p.length), [4, 4, 4, 4, 3], 'reverse: pages of 4 from the newest, then the rest')
    for (const page of [...newestFirst, ...oldestFirst]) assert.ok(ascending(page), 'each page is ascending by orderKey')
    // newest-first pages, put back in time order, and oldest-first pages read the same history
    const backwards = newestFirst.slice().reverse().flat()
    const forwards = oldestFirst.flat()
    assert.deepEqual(ids(backwards), ids(forwards))
    assert.ok(ascending(forwards), 'the whole history is ascending by orderKey')
    assert.equal(new Set(ids(forwards)).size, forwards.length, 'no message twice, though three members answered')
    const bySent = sent.slice().sort((x, y) => compareKeys({ orderKey: x.orderKey ?? 0, messageID: x.messageID ?? '' }, { orderKey: y.orderKey ?? 0, messageID: y.messageID ?? '' }))
    assert.deepEqual(ids(forwards), ids(bySent), 'exactly the kept messages everyone sent, in orderKey order')
    assert.ok(forwards.every(m => m.type !== ZIMMessageType.Barrage), 'barrage messages never come back')
    assert.deepEqual(body(forwards.find(m => m.type === ZIMMessageType.Command) as ZIMMessage), new Uint8Array([1, 2, 3]), 'a command message comes back with its bytes')
    // what comes back is the very message live delivery made
    const sample = forwards.find(m => m.senderUserID !== peers[1].userID) as ZIMMessage
    assert.deepEqual(sample, peers[1].events.messages.find(m => m.messageID === sample.messageID))
    assert.ok(forwards.every(m => m.direction === ZIMMessageDirection.Receive && m.conversationID === 'hist' && m.conversationType === ROOM))
  })

  it('a sender reads its own messages as sent, and a member\'s page continues from any message', async () => {
    const [a] = peers
    const { messageList } = await a.zim.queryHistoryMessage('hist', ROOM, { count: 100, reverse: true })
    assert.equal(messageList.length, sent.length)
    for (const m of messageList) {
      assert.equal(m.direction, m.senderUserID === a.userID ? ZIMMessageDirection.Send : ZIMMessageDirection.Receive)
    }
    const middle = messageList[7]
    const after7 = await a.zim.queryHistoryMessage('hist', ROOM, { nextMessage: middle, count: 3, reverse: false })
    assert.deepEqual(ids(after7.messageList), ids(messageList.slice(8, 11)))
    const before7 = await a.zim.queryHistoryMessage('hist', ROOM, { nextMessage: middle, count: 3, reverse: true })
    assert.deepEqual(ids(before7.messageList), ids(messageList.slice(4, 7)))
    assert.equal(after7.conversationID, 'hist')
    assert.equal(after7.conversationType, ROOM)
  })

  it('refuses bad parameters with 6000001 before the network, 6000321 outside the room, 6000121 logged out', async () => {
    const [a] = peers
    const good = { count: 10, reverse: true }
    for (const type of [0, 2, -1, 7] as ZIMConversationType[]) await rejectsWith(a.zim.queryHistoryMessage('hist', type, good), ZIMErrorCode.CommonModuleParamsInvalid)
    for (const roomID of ['', 'bad/room', 'x'.repeat(129)]) await rejectsWith(a.zim.queryHistoryMessage(roomID, ROOM, good), ZIMErrorCode.CommonModuleParamsInvalid)
    const badConfigs: unknown[] = [
      null, 5, {}, { count: 0 }, { count: -1 }, { count: 1.5 }, { count: '3' }, { count: Number.NaN }, { count: 10, reverse: 'yes' },
      { count: 10, nextMessage: 'm' }, { count: 10, nextMessage: { messageID: '12' } }, { count: 10, nextMessage: { orderKey: 5 } },
      { count: 10, nextMessage: { orderKey: 5, messageID: 'abc' } }, { count: 10, nextMessage: { orderKey: -5, messageID: '12' } }
    ]
    for (const config of badConfigs) await rejectsWith(a.zim.queryHistoryMessage('hist', ROOM, config as never), ZIMErrorCode.CommonModuleParamsInvalid)
    await rejectsWith(a.zim.queryHistoryMessage('not-joined', ROOM, good), ZIMErrorCode.RoomModuleUserIsNotInTheRoom)
    // more than a page is a page
    const { messageList } = await a.zim.queryHistoryMessage('hist', ROOM, { count: 1000, reverse: false })
    assert.equal(messageList.length, sent.length)
    const idle = ZIM.create({ appID: freshAppID(), ...FAST })
    try {
      await rejectsWith(idle.queryHistoryMessage('hist', ROOM, good), ZIMErrorCode.NetworkModuleUserIsNotLogged)
      await rejectsWith(idle.queryHistoryMessage('hist', ROOM, { count: 0 }), ZIMErrorCode.CommonModuleParamsInvalid)
    } finally {
      await idle.destroy()
    }
    for (const bad of [{ historyLimit: -1 }, { historyLimit: 1.5 }, { historyLimit: 10_001 }, { historyMaxAge: -1 }, { historyOnJoin: 101 }, { historyOnJoin: '5' }]) {
      assert.throws(() => ZIM.create({ appID: freshAppID(), ...bad } as never), (err: { code?: number }) => err.code === ZIMErrorCode.CommonModuleParamsInvalid)
    }
  })
})

describe('the history window', () => {
  it('orders by orderKey then messageID as a number, pages around an excluded anchor, evicts the oldest and ages entries out', () => {
    const now = 1_000_000
    const window = new HistoryWindow(4, 1000)
    const entry = (orderKey: number, messageID: string, at = now): { orderKey: number, messageID: string, at: number, envelope: Uint8Array } =>
      ({ orderKey, messageID, at, envelope: new Uint8Array([orderKey]) })
    // keys tie: '9' < '10' as numbers, though not as strings
    for (const e of [entry(20, '10'), entry(20, '9'), entry(10, '5'), entry(30, '1')]) assert.ok(window.keep(e, now))
    assert.equal(window.keep(entry(10, '5'), now), false, 'a messageID is kept once')
    const all = window.page({ older: true, count: 10 }, now)
    assert.deepEqual(all.map(e => `${e.orderKey}/${e.messageID}`), ['10/5', '20/9', '20/10', '30/1'])
    const anchor = { orderKey: 20, messageID: '9' }
    assert.deepEqual(selectPage(all, { anchor, older: true, count: 5 }).map(e => e.messageID), ['5'])
    assert.deepEqual(selectPage(all, { anchor, older: false, count: 1 }).map(e => e.messageID), ['10'])
    assert.deepEqual(selectPage(all, { older: false, count: 2 }).map(e => e.messageID), ['5', '9'])
    // full: a newer message pushes out the oldest; an older one than everything is not taken
    assert.ok(window.keep(entry(40, '2'), now))
    assert.equal(window.keep(entry(1, '3'), now), false)
    assert.deepEqual(window.page({ older: false, count: 10 }, now).map(e => e.orderKey), [20, 20, 30, 40])
    // age counts from `at`, wherever the entry sits in the order
    assert.ok(window.keep(entry(50, '4', now - 900), now))
    assert.deepEqual(window.page({ older: false, count: 10 }, now + 200).map(e => e.orderKey), [20, 30, 40])
    assert.equal(window.page({ older: true, count: 10 }, now + 1000).length, 0)
    assert.equal(new HistoryWindow(0, 1000).keep(entry(1, '1'), now), false, 'historyLimit 0 keeps nothing')
    assert.equal(new HistoryWindow(10, 0).keep(entry(1, '1'), now), false, 'historyMaxAge 0 keeps nothing')
  })

  it('keeps the newest historyLimit messages per member', async () => {
    const peers = await startPeers(3, { config: { historyLimit: 5, messageRateLimit: 1000 } })
    try {
      const [a, b, c] = peers
      await a.zim.createRoom({ roomID: 'bounded', roomName: '' })
      await b.zim.joinRoom('bounded')
      const texts = Array.from({ length: 12 }, (_, i) => `m${i}`)
      for (const t of texts) await a.zim.sendMessage(text(t), 'bounded', ROOM, { priority: 1 })
      await b.events.waitFor('b has all twelve', () => b.events.messages.length === 12)
      await c.zim.joinRoom('bounded')
      const { messageList } = await c.zim.queryHistoryMessage('bounded', ROOM, { count: 100, reverse: true })
      assert.deepEqual(messageList.map(body), texts.slice(-5), 'sender and receiver each kept the newest five')
      const [older] = await pageThroughHistory(c, 'bounded', true, 100).then(pages => pages.slice(1))
      assert.equal(older, undefined, 'nothing older is left anywhere')
    } finally {
      await stopPeers(peers)
    }
  })

  it('a message is in its sender\'s history as soon as sendMessage resolves', async () => {
    // alone in the room: no member could answer the query with a copy of its own
    const [a] = await startPeers(1)
    try {
      await a.zim.createRoom({ roomID: 'at-once', roomName: '' })
      const sent: string[] = []
      for (const t of ['one', 'two']) {
        const { message } = await a.zim.sendMessage(text(t), 'at-once', ROOM, { priority: 1 })
        sent.push(message.messageID ?? '')
        const { messageList } = await a.zim.queryHistoryMessage('at-once', ROOM, { count: 10, reverse: true })
        assert.deepEqual(ids(messageList), sent, `after "${t}" resolved`)
      }
    } finally {
      await stopPeers([a])
    }
  })

  it('drops a message historyMaxAge after it came', async () => {
    const maxAge = 2000
    const peers = await startPeers(2, { config: { historyMaxAge: maxAge } })
    try {
      const [a, b] = peers
      await a.zim.createRoom({ roomID: 'aging', roomName: '' })
      await b.zim.joinRoom('aging')
      const sentAt = Date.now()
      await a.zim.sendMessage(text('soon gone'), 'aging', ROOM, { priority: 1 })
      await b.events.waitFor('b has it', () => b.events.messages.length === 1)
      const fresh = await b.zim.queryHistoryMessage('aging', ROOM, { count: 10, reverse: true })
      assert.deepEqual(fresh.messageList.map(body), ['soon gone'])
      await eventually('the message ages out everywhere', async () =>
        (await b.zim.queryHistoryMessage('aging', ROOM, { count: 10, reverse: true })).messageList.length === 0)
      assert.ok(Date.now() - sentAt >= maxAge, 'not before its time')
    } finally {
      await stopPeers(peers)
    }
  })

  it('messages that came bare on their author\'s direct link are handed on, signed, after the author left', async () => {
    const peers = await startPeers(3)
    try {
      const [a, b, c] = peers
      await a.zim.createRoom({ roomID: 'bare', roomName: '' })
      await b.zim.joinRoom('bare')
      // b's link to a opens as b joins, or with its first message (which goes through gossipsub while the link opens)
      await b.zim.sendMessage(text('opening'), 'bare', ROOM, { priority: 1 })
      await waitUntil('b holds a link to a', () => linksFrom(b).has(a.peerId.toString()))
      await a.events.waitFor('a has the first', () => a.events.textsFrom(b.userID).includes('opening'))
      const linked = countLinkedMessages(a)
      for (const said of ['one', 'two', 'three']) await b.zim.sendMessage(text(said), 'bare', ROOM, { priority: 1 })
      await a.events.waitFor('a has them', () => a.events.textsFrom(b.userID).includes('three'))
      assert.equal(linked.count, 3, 'all three went on the link')
      // leaving, b sends the Seals it still owes
      await b.zim.leaveRoom('bare')
      await a.events.waitFor('a sees b go', () => a.events.leftUsers('bare').includes(b.userID))
      await c.zim.joinRoom('bare')
      const { messageList } = await c.zim.queryHistoryMessage('bare', ROOM, { count: 10, reverse: true })
      assert.deepEqual(messageList.map(body), ['opening', 'one', 'two', 'three'], 'a, the only holder left, hands on all four')
      assert.ok(messageList.every(m => m.senderUserID === b.userID))
      assert.equal(stat(a, 'malformed-or-forged'), 0, 'every Seal held')
    } finally {
      await stopPeers(peers)
    }
  })

  it('a message whose every holder left is gone; one a member fetched lives on with it', async () => {
    const peers = await startPeers(4)
    try {
      const [a, b, c, d] = peers
      await a.zim.createRoom({ roomID: 'fleeting', roomName: '' })
      await b.zim.joinRoom('fleeting')
      await b.zim.sendMessage(text('first'), 'fleeting', ROOM, { priority: 1 })
      await b.zim.sendMessage(text('second'), 'fleeting', ROOM, { priority: 1 })
      await a.events.waitFor('a has both', () => a.events.messages.length === 2)
      // c reads only the newest: it now holds 'second', not 'first'
      await c.zim.joinRoom('fleeting')
      const { messageList } = await c.zim.queryHistoryMessage('fleeting', ROOM, { count: 1, reverse: true })
      assert.deepEqual(messageList.map(body), ['second'])
      await a.zim.leaveRoom('fleeting')
      await b.zim.leaveRoom('fleeting')
      await c.events.waitFor('c sees both holders go', () => c.events.leftUsers('fleeting').length === 2)
      await d.zim.joinRoom('fleeting')
      const left = await pageThroughHistory(d, 'fleeting', false, 10)
      assert.deepEqual(left.flat().map(body), ['second'], '\'first\' went with the members who held it')
      assert.equal(left.flat()[0].senderUserID, b.userID, 'a message outlives its sender as long as someone holds it')
    } finally {
      await stopPeers(peers)
    }
  })
})

describe('historyOnJoin', () => {
  it('delivers the newest messages not delivered live once, as offline messages, after the join resolves, with nothing lost between them', async () => {
    const appID = freshAppID()
    const a = await startPeer('a', { appID, ...FAST, messageRateLimit: 1000 })
    const b = await startPeer('b', { appID, ...FAST, bootstrap: [a.addr] })
    const c = await startPeer('c', { appID, ...FAST, bootstrap: [a.addr], historyOnJoin: 4 })
    try {
      await a.zim.createRoom({ roomID: 'catch-up', roomName: '' })
      await b.zim.joinRoom('catch-up')
      const sent: ZIMMessage[] = []
      for (let i = 0; i < 6; i++) sent.push((await a.zim.sendMessage(text(`before ${i}`), 'catch-up', ROOM, { priority: 1 })).message)
      await b.events.waitFor('b has the six', () => b.events.messages.length === 6)
      // messages keep coming while c joins: some reach c live, the ones before only through history
      let sending = true
      const during = (async () => {
        for (let i = 0; sending && i < 80; i++) {
          sent.push((await a.zim.sendMessage(text(`during ${i}`), 'catch-up', ROOM, { priority: 1 })).message)
          await new Promise(resolve => setTimeout(resolve, 25))
        }
      })()
      let offlineAtResolve = -1
      await c.zim.joinRoom('catch-up').then(() => { offlineAtResolve = c.events.offlineBatches.length })
      await c.events.waitFor('c gets its catch-up', () => c.events.offlineBatches.length === 1)
      sending = false
      await during
      const last = sent[sent.length - 1]
      // one sent while the catch-up was being answered may come in the batch instead of live
      await c.events.waitFor('c has the last message', () => [...c.events.offlineBatches.flat(), ...c.events.messages].some(m => m.messageID === last.messageID))
      assert.equal(offlineAtResolve, 0, 'nothing offline before joinRoom resolves')
      const [batch] = c.events.offlineBatches
      assert.equal(batch.length, 4, 'historyOnJoin messages')
      assert.ok(ascending(batch), 'in orderKey order')
      assert.ok(batch.every(m => m.senderUserID === 'a' && m.direction === ZIMMessageDirection.Receive))
      const everything = [...batch, ...c.events.messages]
      assert.equal(new Set(ids(everything)).size, everything.length, 'no message both offline and live, none twice')
      // from the oldest offline message on, every message a sent reached c one way or the other
      const seen = new Set(ids(everything))
      const from = sent.findIndex(m => m.messageID === batch[0].messageID)
      assert.ok(from >= 0, 'the batch holds messages a sent')
      assert.deepEqual(sent.slice(from).filter(m => !seen.has(m.messageID ?? '')).map(body), [], 'nothing lost between history and live')
      assert.deepEqual(ids(c.events.olderMessages), ids(c.events.messages), 'receiveRoomMessage stays live-only')
    } finally {
      await stopPeers([a, b, c])
    }
  })

  it('is off by default, and a room we create has nothing to catch up on', async () => {
    const appID = freshAppID()
    const a = await startPeer('a', { appID, ...FAST })
    const b = await startPeer('b', { appID, ...FAST, bootstrap: [a.addr] })
    const c = await startPeer('c', { appID, ...FAST, bootstrap: [a.addr], historyOnJoin: 10 })
    try {
      await c.zim.createRoom({ roomID: 'fresh', roomName: '' })
      await a.zim.joinRoom('fresh')
      await c.zim.sendMessage(text('hello'), 'fresh', ROOM, { priority: 1 })
      await a.events.waitFor('a has it', () => a.events.messages.length === 1)
      await b.zim.joinRoom('fresh')
      // b asks nothing by itself; a query shows what it would have got
      const { messageList } = await b.zim.queryHistoryMessage('fresh', ROOM, { count: 10, reverse: true })
      assert.deepEqual(messageList.map(body), ['hello'])
      assert.equal(b.events.offlineBatches.length, 0)
      assert.equal(c.events.offlineBatches.length, 0)
    } finally {
      await stopPeers([a, b, c])
    }
  })
})

describe('hostile history peers', () => {
  const appID = freshAppID()
  const room = 'guarded'
  const topic = roomTopic(appID, room)
  let alice: Peer
  let bob: Peer
  let carol: Peer
  let attacker: Attacker
  let captured: Uint8Array[]
  let forger: Forger
  let answer: () => Uint8Array = () => HistoryResponse.encode({ messages: [] })

  before(async () => {
    // members the attacker joins as do not expire while the test runs
    const config = { ...FAST, memberTimeout: 60_000 }
    alice = await startPeer('alice', { appID, ...config })
    bob = await startPeer('bob', { appID, ...config, bootstrap: [alice.addr] })
    carol = await startPeer('carol', { appID, ...config, bootstrap: [alice.addr] })
    await alice.zim.createRoom({ roomID: room, roomName: '' })
    await bob.zim.joinRoom(room)
    attacker = await startAttacker(bob, topic)
    // alice marks her messages sent-to-all, so bob does not forward them: the attacker captures them from her
    await attacker.node.dial(multiaddr(alice.addr))
    await waitUntil('alice sees the attacker on the topic', () => alice.node.services.pubsub.getSubscribers(topic).some(id => id.equals(attacker.node.peerId)))
    captured = captureFrames(attacker, topic)
    forger = new Forger(appID, attacker.key)
    await serveHistory(attacker.node, appID, () => answer())
    for (let i = 0; i < 3; i++) await alice.zim.sendMessage(text(`honest ${i}`), room, ROOM, { priority: 1 })
    await bob.events.waitFor('bob has alice\'s messages', () => bob.events.messages.length === 3)
    await waitUntil('the attacker captured them', () => captured.filter(f => peek(f).message != null).length === 3)
  })
  after(async () => {
    await attacker.node.stop()
    await stopPeers([alice, bob, carol])
  })

  it('a peer that is not a member gets no messages, by page or by messageID, and is told it is not a member', async () => {
    // bob holds the messages: a member asking the same gets them
    const { messageList } = await alice.zim.queryHistoryMessage(room, ROOM, { count: 10, reverse: true })
    assert.equal(messageList.length, 3)
    const byPage = HistoryRequest.encode({ roomID: room, anchorOrderKey: 0n, anchorMessageID: '', older: true, count: 100, messageIDs: [] })
    const byID = HistoryRequest.encode({ roomID: room, anchorOrderKey: 0n, anchorMessageID: '', older: false, count: 3, messageIDs: ids(messageList) })
    for (const request of [byPage, byID]) {
      const raw = await rawHistoryExchange(attacker.node, bob, request)
      assert.ok(raw != null, 'bob answers')
      assert.deepEqual(HistoryResponse.decode(raw), { messages: [], notMember: true })
    }
  })

  it('forged and tampered entries in an answer are refused and counted; the honest ones and the member\'s own come through once', async () => {
    const session = BigInt(Date.now()) * 1000n
    await attacker.node.services.pubsub.publish(topic, await forger.seal(forger.announcement(room, 'mallory', { seq: session }, session)))
    await bob.events.waitFor('bob sees mallory join', () => bob.events.joinedUsers(room).includes('mallory'))
    const honest = captured.filter(f => peek(f).message != null)
    // captured frames are Buffers, whose slice() is a view: copy before changing a byte
    const tampered = new Uint8Array(honest[0])
    tampered[tampered.length - 1] ^= 0xff
    const asAlice = forger.message(room, 'alice', 7n, 'alice never said this', session)
    const otherRoom = forger.message('elsewhere', 'mallory', 1n, 'wrong room', session)
    const barrage = forger.message(room, 'mallory', 2n, 'whoosh', session)
    if (barrage.message != null) barrage.message.type = ZIMMessageType.Barrage
    const future = forger.message(room, 'mallory', 3n, 'from the future', session)
    if (future.message != null) future.message.orderKey = BigInt(Date.now() + 3600_000) * 1024n
    const own = forger.message(room, 'mallory', 4n, 'mallory was here', session)
    const entries = [
      tampered,
      await forger.seal(asAlice),
      await forger.seal(otherRoom),
      await forger.seal(forger.announcement(room, 'mallory', { seq: session + 1n }, session)),
      await forger.seal(barrage),
      await forger.seal(future),
      new Uint8Array([1, 2, 3, 4, 5]),
      // replays of honest messages in other bytes: believed, and each is still shown once
      ...honest.map((f, i) => rewrap(f, i)),
      await forger.seal(own)
    ]
    answer = () => HistoryResponse.encode({ messages: entries as Array<Uint8Array<ArrayBuffer>> })
    const refusedBefore = stat(bob, 'history-rejected')
    const penalties = bob.node.services.penalties
    const pointsBefore = penalties.points(attacker.node.peerId.toString())
    const asked = Date.now()
    const { messageList } = await bob.zim.queryHistoryMessage(room, ROOM, { count: 50, reverse: true })
    // points halve every 30 s: what the attacker had before, decayed over the query
    const decayedBefore = pointsBefore * Math.pow(0.5, (Date.now() - asked) / 30_000)
    assert.equal(stat(bob, 'history-rejected') - refusedBefore, 7, 'seven bad entries refused and counted')
    // the tampered, foreign-room, announcement, barrage and garbage entries no honest member hands out cost
    // the answering peer a point each (decayed a little since); alice's name under mallory's key and a
    // clock ahead of ours do not, for an honest member may see the room otherwise
    const charged = penalties.points(attacker.node.peerId.toString()) - decayedBefore
    assert.ok(charged > 4.5 && charged <= 5.01, `the answering peer was charged ${charged} points`)
    assert.deepEqual(messageList.map(body), ['honest 0', 'honest 1', 'honest 2', 'mallory was here'])
    assert.equal(new Set(ids(messageList)).size, 4)
    assert.ok(messageList.every(m => body(m) !== 'alice never said this'))
  })

  it('an answer over its bounds is refused whole and counted, and the asker still gets the honest members\' pages', async () => {
    const one = await forger.seal(forger.message(room, 'mallory', 5n, 'again', BigInt(Date.now())))
    answer = () => HistoryResponse.encode({ messages: Array.from({ length: 101 }, () => one as Uint8Array<ArrayBuffer>) })
    const before = stat(bob, 'bad-history-answer')
    const { messageList } = await bob.zim.queryHistoryMessage(room, ROOM, { count: 3, reverse: false })
    assert.equal(stat(bob, 'bad-history-answer') - before, 1)
    assert.deepEqual(messageList.map(body), ['honest 0', 'honest 1', 'honest 2'])
  })

  it('a malformed request is refused and counted, and the node keeps serving members', async () => {
    const before = stat(bob, 'history-request-failed')
    const garbage = await rawHistoryExchange(attacker.node, bob, new Uint8Array(4096).fill(7))
    assert.equal(garbage, undefined, 'no answer to garbage')
    await waitUntil('bob counted it', () => stat(bob, 'history-request-failed') > before)
    const tooMany = await rawHistoryExchange(attacker.node, bob, HistoryRequest.encode({
      roomID: room, anchorOrderKey: 0n, anchorMessageID: '', older: false, count: 100, messageIDs: Array.from({ length: 101 }, (_, i) => String(i))
    }))
    assert.equal(tooMany, undefined, 'no answer to a recovery of 101 messages')
    await waitUntil('bob counted it', () => stat(bob, 'history-request-failed') > before + 1)
    // mallory is a member now: bob answers it like anyone in the room, by page or by messageID
    const answered = await requestHistory(attacker.node, bob, { roomID: room, older: false, count: 2 })
    assert.equal(answered?.length, 2)
    const wanted = (answered ?? []).map(e => peek(e)).map(f => messageIDOf(f.from, f.session, f.message?.seq ?? 0n))
    const byID = await requestHistory(attacker.node, bob, { roomID: room, messageIDs: [wanted[1], '12345', wanted[0]] })
    assert.deepEqual((byID ?? []).map(e => peek(e)).map(f => messageIDOf(f.from, f.session, f.message?.seq ?? 0n)), [wanted[1], wanted[0]], 'the asked messages bob keeps, in the asked order')
    // and an honest joiner reads the room
    answer = () => HistoryResponse.encode({ messages: [] })
    await carol.zim.joinRoom(room)
    const { messageList } = await carol.zim.queryHistoryMessage(room, ROOM, { count: 10, reverse: true })
    assert.deepEqual(messageList.map(body).slice(0, 3), ['honest 0', 'honest 1', 'honest 2'])
  })
})
