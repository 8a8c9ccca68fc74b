import assert from 'node:assert/strict'
import { describe, it, before, after } from 'node:test'
import { encodeDirectFrame } from '../src/rooms/direct-links.js'
import type { DirectPayload } from '../src/rooms/direct-links.js'
import { Frame } from '../src/wire/roomsub.js'
import { directProtocol, roomTopic } from '../src/rooms/topics.js'
import { Forger, countLinkedMessages, countMessageCopies, inboundLinks, linksFrom, startAttacker, startPeers, stopPeers, text, waitUntil } from './helpers.js'
import type { Attacker, Peer } from './helpers.js'
import type { Stream } from '@libp2p/interface'

function stat (peer: Peer, reason: string): number {
  return peer.zim.frameStats()[reason] ?? 0
}

describe('direct links', () => {
  let peers: Peer[] = []
  before(async () => {
    peers = await startPeers(3, { config: { messageRateLimit: 100 } })
    // c speaks no direct protocol (an older peer): nobody can open a link to it
    await peers[2].node.unhandle(directProtocol(peers[2].appID))
    await peers[0].zim.createRoom({ roomID: 'links', roomName: '' })
    for (const p of peers.slice(1)) await p.zim.joinRoom('links')
  })
  after(async () => { await stopPeers(peers) })

  it('a member that cannot take a link still gets every message, through gossipsub', async () => {
    const [a, b, c] = peers
    const copies = countMessageCopies(c)
    for (let i = 0; i < 10; i++) {
      await a.zim.sendMessage(text(`a ${i}`), 'links', 1, { priority: 1 })
      await b.zim.sendMessage(text(`b ${i}`), 'links', 1, { priority: 1 })
    }
    await c.events.waitFor('c has all 20', () => c.events.textsFrom('u0').length === 10 && c.events.textsFrom('u1').length === 10)
    await a.events.waitFor('a has b\'s 10', () => a.events.textsFrom('u1').length === 10)
    await b.events.waitFor('b has a\'s 10', () => b.events.textsFrom('u0').length === 10)
    assert.deepEqual(c.events.textsFrom('u0'), Array.from({ length: 10 }, (_, i) => `a ${i}`), 'in order, once each')
    assert.ok(copies.count >= 20, `c took them from gossipsub (${copies.count} copies)`)
  })

  it('links close when their peers share no room any more, and open again when they do', async () => {
    const [a, b, c] = peers
    // with c in the room (no links to it) messages go through gossipsub; without it they take links
    await c.zim.leaveRoom('links')
    await waitUntil('a and b hold links to each other', () => linksFrom(a).has(b.peerId.toString()) && linksFrom(b).has(a.peerId.toString()))
    await b.zim.leaveRoom('links')
    await waitUntil('neither holds a link to the other, either way', () =>
      !linksFrom(a).has(b.peerId.toString()) && !linksFrom(b).has(a.peerId.toString()) && !inboundLinks(a).has(b.peerId.toString()) && !inboundLinks(b).has(a.peerId.toString()))
    await b.zim.joinRoom('links')
    await a.events.waitFor('a sees b back', () => a.events.joinedUsers('links').filter(u => u === b.userID).length >= 2)
    // the first message after the join goes through gossipsub and opens the link; once it is open,
    // messages take it (a try every 250 ms keeps under the send rate limit)
    const deadline = Date.now() + 10_000
    for (let i = 0; ; i++) {
      const linked = countLinkedMessages(b)
      await a.zim.sendMessage(text(`after rejoin ${i}`), 'links', 1, { priority: 1 })
      await b.events.waitFor('b gets it', () => b.events.textsFrom(a.userID).includes(`after rejoin ${i}`))
      if (linked.count === 1) break
      assert.ok(Date.now() < deadline, 'a message went on a link again within 10 s')
      await new Promise(resolve => setTimeout(resolve, 250))
    }
  })

  describe('bad input on a link', () => {
    let attacker: Attacker
    let link: Stream
    before(async () => {
      attacker = await startAttacker(peers[0], roomTopic(peers[0].appID, 'links'))
      link = await attacker.node.dialProtocol(peers[0].peerId, directProtocol(peers[0].appID))
    })
    after(async () => { await attacker.node.stop() })

    it('a frame in another member\'s name is refused and counted, never delivered', async () => {
      const [a, b] = peers
      const forger = new Forger(a.appID, attacker.key)
      const refused = stat(a, 'malformed-or-forged') + stat(a, 'message-rejected') + stat(a, 'message-ignored')
      // b's user, b's session, the next seq: but signed with the attacker's key and sent on the attacker's link
      link.send(encodeDirectFrame('links', { envelope: await forger.seal(forger.message('links', b.userID, 1000n, 'forged')) }))
      await waitUntil('a refuses it', () => stat(a, 'malformed-or-forged') + stat(a, 'message-rejected') + stat(a, 'message-ignored') > refused)
      await b.zim.sendMessage(text('genuine after forgery'), 'links', 1, { priority: 1 })
      await a.events.waitFor('the genuine one arrives', () => a.events.textsFrom(b.userID).includes('genuine after forgery'))
      assert.ok(!a.events.textsFrom(b.userID).includes('forged'))
    })

    it('a bare body in another member\'s name is refused and counted, never delivered; a frame of an envelope and a body ends the link', async () => {
      const [a, b] = peers
      const forger = new Forger(a.appID, attacker.key)
      const refused = stat(a, 'malformed-or-forged')
      // a body names its author, and only the link's own peer may send one bare: this one names b
      const asB = { ...forger.message('links', b.userID, 1000n, 'bare forgery'), from: b.peerId.toMultihash().bytes as Uint8Array<ArrayBuffer>, direct: { unreached: [] } }
      const fresh = await attacker.node.dialProtocol(a.peerId, directProtocol(a.appID))
      fresh.send(encodeDirectFrame('links', { body: Frame.encode(asB) }))
      await waitUntil('a refuses it', () => stat(a, 'malformed-or-forged') > refused)
      // an envelope and a body in one frame is no frame a sender makes
      fresh.send(encodeDirectFrame('links', { envelope: await forger.seal(forger.message('links', 'mallory', 1n, 'one')), body: Frame.encode(asB) } as unknown as DirectPayload))
      await waitUntil('a counts it and ends the link', () => stat(a, 'malformed-or-forged') > refused + 1 && fresh.status !== 'open')
      await b.zim.sendMessage(text('genuine after bare forgery'), 'links', 1, { priority: 1 })
      await a.events.waitFor('the genuine one arrives', () => a.events.textsFrom(b.userID).includes('genuine after bare forgery'))
      assert.ok(!a.events.textsFrom(b.userID).includes('bare forgery'))
    })

    it('bytes that are not a direct frame are counted and end the link; the member keeps serving the room', async () => {
      const [a, b] = peers
      const malformed = stat(a, 'malformed-or-forged')
      // a length prefix longer than any frame needs
      link.send(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x01]))
      await waitUntil('a counts it and ends the link', () => stat(a, 'malformed-or-forged') > malformed && link.status !== 'open')
      // a frame too large to be one, on a fresh link
      const second = await attacker.node.dialProtocol(a.peerId, directProtocol(a.appID))
      second.send(new Uint8Array([0x80, 0x80, 0x40]))
      await waitUntil('the oversize length is refused too', () => stat(a, 'malformed-or-forged') > malformed + 1 && second.status !== 'open')
      await b.zim.sendMessage(text('still served'), 'links', 1, { priority: 1 })
      await a.events.waitFor('a still gets b\'s messages', () => a.events.textsFrom(b.userID).includes('still served'))
    })
  })
})
