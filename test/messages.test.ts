import assert from 'node:assert/strict'
import { describe, it, before, after } from 'node:test'
import { ZIMConversationType, ZIMErrorCode, ZIMMessageDirection, ZIMMessageSentStatus, ZIMMessageType } from '../src/index.js'
import { countLinkedMessages, countMessageCopies, eventually, freshAppID, linksFrom, rejectsWith, startPeer, startPeers, stopPeers, text, waitUntil, FAST } from './helpers.js'
import type { Peer } from './helpers.js'
import type { ZIMMessage } from '../src/index.js'

describe('room messages', () => {
  let peers: Peer[] = []
  let outsider: Peer
  before(async () => {
    peers = await startPeers(5, { config: { messageRateLimit: 1000 } })
    outsider = peers[4]
    await peers[0].zim.createRoom({ roomID: 'chat', roomName: 'Chat' })
    for (const p of peers.slice(1, 4)) await p.zim.joinRoom('chat')
    await outsider.zim.createRoom({ roomID: 'elsewhere', roomName: '' })
  })
  after(async () => { await stopPeers(peers) })

  it('reach every member exactly once, in the order sent, never the sender or a non-member', async () => {
    const members = peers.slice(0, 4)
    const perSender = 30
    await Promise.all(members.map(async p => {
      for (let i = 0; i < perSender; i++) {
        await p.zim.sendMessage(text(`${p.userID}:${i}`), 'chat', ZIMConversationType.Room, { priority: 1 })
      }
    }))
    for (const p of members) {
      await p.events.waitFor(`${p.userID} has everyone else's messages`, () => p.events.messages.length >= perSender * 3)
    }
    for (const p of members) {
      assert.equal(p.events.messages.length, perSender * 3, `${p.userID} got exactly the others' messages`)
      assert.equal(p.events.textsFrom(p.userID).length, 0, 'the sender never gets its own message')
      for (const sender of members.filter(s => s !== p)) {
        assert.deepEqual(p.events.textsFrom(sender.userID), Array.from({ length: perSender }, (_, i) => `${sender.userID}:${i}`), `${p.userID} sees ${sender.userID}'s messages in order`)
        const keys = p.events.messages.filter(m => m.senderUserID === sender.userID).map(m => m.orderKey ?? 0)
        assert.ok(keys.every((k, i) => i === 0 || k > keys[i - 1]), 'orderKey increases for one sender')
      }
      const ids = new Set(p.events.messages.map(m => m.messageID))
      assert.equal(ids.size, p.events.messages.length, 'messageIDs are unique')
    }
    assert.equal(outsider.events.messages.length, 0, 'a peer not in the room gets nothing')
  })

  it('costs one copy per receiver where every member is connected to every other: each goes on a direct link, none through gossipsub', async () => {
    const members = peers.slice(0, 4)
    await waitUntil('every member has a direct link to every other', () => members.every(p =>
      members.every(q => p === q || linksFrom(p).has(q.peerId.toString()))))
    // a link is used once its opening has settled at the sender too (libp2p records the protocol
    // after it is negotiated): until a round of messages all come on links, they go through gossipsub
    let round = 0
    await eventually('a round of messages all on direct links', async () => {
      const linked = members.map(countLinkedMessages)
      const seen = members.map(p => p.events.messages.length)
      round++
      for (const p of members) await p.zim.sendMessage(text(`${p.userID} warm ${round}`), 'chat', 1, { priority: 1 })
      for (const [i, p] of members.entries()) await p.events.waitFor('the round arrives', () => p.events.messages.length >= seen[i] + 3)
      return linked.every(c => c.count === 3)
    })
    const copies = members.map(countMessageCopies)
    const linked = members.map(countLinkedMessages)
    const before = members.map(p => p.events.messages.length)
    const perSender = 5
    for (let i = 0; i < perSender; i++) {
      for (const p of members) await p.zim.sendMessage(text(`${p.userID} copy ${i}`), 'chat', 1, { priority: 1 })
    }
    for (const [i, p] of members.entries()) {
      await p.events.waitFor(`${p.userID} has the others' messages`, () => p.events.messages.length >= before[i] + perSender * 3)
    }
    // a copy sent any other way would reach its receiver before its sender's later frames (one ordered
    // stream per pair), so once every member's last message is in, no other copy is still on its way
    for (const p of members) await p.zim.sendMessage(text(`${p.userID} last`), 'chat', 1, { priority: 1 })
    for (const p of members) {
      await p.events.waitFor(`${p.userID} has every last message`, () => members.every(q => q === p || p.events.textsFrom(q.userID).includes(`${q.userID} last`)))
    }
    assert.deepEqual(linked.map(c => c.count), members.map(() => (perSender + 1) * 3), 'each member got each of the others\' messages once, on its link')
    assert.deepEqual(copies.map(c => c.count), members.map(() => 0), 'and no copy through gossipsub')
  })

  it('every receiver sees the same orderKey and messageID for a message', async () => {
    const [a, b, c, d] = peers
    await a.zim.sendMessage(text('same everywhere'), 'chat', 1, { priority: 1 })
    const copies: ZIMMessage[] = []
    for (const p of [b, c, d]) {
      await p.events.waitFor('copy arrives', () => p.events.textsFrom(a.userID).includes('same everywhere'))
      copies.push(p.events.messages.find(m => (m as { message?: unknown }).message === 'same everywhere') as ZIMMessage)
    }
    assert.equal(new Set(copies.map(m => m.orderKey)).size, 1)
    assert.equal(new Set(copies.map(m => m.messageID)).size, 1)
  })

  it('carries text, command, barrage and custom messages intact, through both receive events', async () => {
    const [a, b] = peers
    const bytes = new Uint8Array([0, 1, 2, 250, 255])
    const earlier = b.events.messages.filter(m => m.senderUserID === a.userID).length
    const sent = await a.zim.sendMessage({ type: ZIMMessageType.Text, message: 'héllo wörld ✓', extendedData: 'ext' } as ZIMMessage, 'chat', 1, { priority: 2 })
    assert.equal(sent.message.sentStatus, ZIMMessageSentStatus.Success)
    assert.equal(sent.message.direction, ZIMMessageDirection.Send)
    assert.equal(sent.message.senderUserID, a.userID)
    assert.equal(sent.message.conversationID, 'chat')
    assert.equal(sent.message.conversationType, ZIMConversationType.Room)
    assert.ok(typeof sent.message.messageID === 'string' && sent.message.messageID.length > 0)
    assert.ok(typeof sent.message.timestamp === 'number' && Math.abs(sent.message.timestamp - Date.now()) < 5000)
    assert.ok(typeof sent.message.orderKey === 'number')
    await a.zim.sendMessage({ type: ZIMMessageType.Command, message: bytes } as ZIMMessage, 'chat', 1, { priority: 1 })
    await a.zim.sendMessage({ type: ZIMMessageType.Barrage, message: 'whoosh' } as ZIMMessage, 'chat', 1, { priority: 1 })
    await a.zim.sendRoomMessage({ type: ZIMMessageType.Custom, message: '{"k":1}', subType: 200, searchedContent: 'find me' } as ZIMMessage, 'chat', { priority: 1 })
    await b.events.waitFor('b gets all four', () => b.events.messages.filter(m => m.senderUserID === a.userID).length >= earlier + 4)
    const fromA = b.events.messages.filter(m => m.senderUserID === a.userID).slice(-4) as Array<ZIMMessage & { message: unknown, subType?: number, searchedContent?: string }>
    assert.deepEqual(fromA.map(m => m.type), [1, 2, 20, 200])
    assert.equal(fromA[0].message, 'héllo wörld ✓')
    assert.equal(fromA[0].extendedData, 'ext')
    assert.equal(fromA[0].messageID, sent.message.messageID)
    assert.equal(fromA[0].orderKey, sent.message.orderKey)
    assert.equal(fromA[0].timestamp, sent.message.timestamp)
    assert.equal(fromA[0].direction, ZIMMessageDirection.Receive)
    assert.equal(fromA[0].conversationType, ZIMConversationType.Room)
    assert.deepEqual(fromA[1].message, bytes)
    assert.equal(fromA[2].message, 'whoosh')
    assert.equal(fromA[3].message, '{"k":1}')
    assert.equal(fromA[3].subType, 200)
    assert.equal(fromA[3].searchedContent, 'find me')
    assert.deepEqual(b.events.olderMessages.map(m => m.messageID), b.events.messages.map(m => m.messageID), 'receiveRoomMessage fires for every roomMessageReceived')
  })

  it('calls onMessageAttached before sending', async () => {
    const [a] = peers
    let attached: ZIMMessage | undefined
    const result = await a.zim.sendMessage(text('attached'), 'chat', 1, { priority: 1 }, { onMessageAttached: (m) => { attached = m } })
    assert.ok(attached != null)
    assert.equal(attached.sentStatus, ZIMMessageSentStatus.Sending)
    assert.equal(attached.localMessageID, result.message.localMessageID)
    // and it went out: delivered before the next test counts b's messages
    await peers[1].events.waitFor('b gets it', () => peers[1].events.textsFrom(a.userID).includes('attached'))
  })

  it('rejects bad messages with 6000001 and sends nothing', async () => {
    const [a, b] = peers
    const before = b.events.messages.length
    const bad: Array<[unknown, string, number?]> = [
      [{ type: 1, message: '' }, 'chat'],
      [{ type: 1, message: '   \n\t ' }, 'chat'],
      [{ type: 1, message: 'x'.repeat(32 * 1024 + 1) }, 'chat'],
      [{ type: 1, message: 'é'.repeat(16 * 1024 + 1) }, 'chat'],
      [{ type: 20, message: ' ' }, 'chat'],
      [{ type: 2, message: new Uint8Array(5 * 1024 + 1) }, 'chat'],
      [{ type: 2, message: 'not bytes' }, 'chat'],
      [{ type: 200, message: 'c', subType: 201 }, 'chat'],
      [{ type: 200, message: 'c', subType: -1 }, 'chat'],
      [{ type: 200, message: 'c', subType: 1.5 }, 'chat'],
      [{ type: 200, message: 'c' }, 'chat'],
      [{ type: 31, message: 'unknown kind' }, 'chat'],
      [{ type: 30, message: 'system' }, 'chat'],
      [null, 'chat'],
      [{ type: 1, message: 'ok' }, ''],
      [{ type: 1, message: 'ok' }, 'bad/room'],
      [{ type: 1, message: 'ok' }, 'chat', 0],
      [{ type: 1, message: 'ok' }, 'chat', 2]
    ]
    for (const [message, roomID, conversationType] of bad) {
      await rejectsWith(a.zim.sendMessage(message as ZIMMessage, roomID, conversationType ?? 1, { priority: 1 }), ZIMErrorCode.CommonModuleParamsInvalid)
    }
    await rejectsWith(a.zim.sendMessage(text('ok'), 'chat', 1, { priority: 7 as 1 }), ZIMErrorCode.CommonModuleParamsInvalid)
    // the largest legal text goes through, so nothing above was refused for size by accident
    await a.zim.sendMessage(text('y'.repeat(32 * 1024)), 'chat', 1, { priority: 1 })
    await b.events.waitFor('b gets the 32 KB text', () => b.events.messages.length === before + 1)
    assert.equal(b.events.messages.length, before + 1)
  })
})

describe('the client rate limit', () => {
  it('rejects the eleventh message in one second with 6000004 and sends nothing over the limit', async () => {
    const appID = freshAppID()
    const a = await startPeer('fast', { appID, ...FAST })
    const b = await startPeer('reader', { appID, ...FAST, bootstrap: [a.addr] })
    try {
      await a.zim.createRoom({ roomID: 'rate', roomName: '' })
      await b.zim.joinRoom('rate')
      const results = await Promise.allSettled(Array.from({ length: 15 }, async (_, i) => a.zim.sendMessage(text(`m${i}`), 'rate', 1, { priority: 1 })))
      const ok = results.filter(r => r.status === 'fulfilled').length
      const limited = results.filter(r => r.status === 'rejected' && (r.reason as { code: number }).code === ZIMErrorCode.CommonModuleTriggerSDKFrequencyLimit).length
      assert.equal(ok, 10)
      assert.equal(limited, 5)
      await b.events.waitFor('b gets the ten', () => b.events.messages.length >= 10)
      assert.deepEqual(b.events.textsFrom('fast'), Array.from({ length: 10 }, (_, i) => `m${i}`))
    } finally {
      await stopPeers([a, b])
    }
  })
})
