import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { FAST, freshAppID, inboundLinks, peek, spawnPeer, startGatedPeer, startLine, startPeer, startPeers, stopPeers, text, waitUntil, watchLinkedFrames } from './helpers.js'
import { roomTopic } from '../src/rooms/topics.js'
import { Announcement } from '../src/wire/roomsub.js'
import type { Peer } from './helpers.js'

function sorted (ids: string[]): string[] {
  return [...ids].sort()
}

describe('membership', () => {
  it('every member sees each join and leave once, and never itself (star around a member hub)', async () => {
    const peers = await startPeers(5, { config: { roomPeerTarget: 0 } })
    try {
      const [hub, ...leaves] = peers
      await hub.zim.createRoom({ roomID: 'star', roomName: '' })
      for (const p of leaves) await p.zim.joinRoom('star')
      const everyone = peers.map(p => p.userID)
      for (const p of peers) {
        await p.events.waitFor(`${p.userID} sees the others join`, () => sorted(p.events.joinedUsers('star')).join() === sorted(everyone.filter(id => id !== p.userID)).join())
      }
      await leaves[0].zim.leaveRoom('star')
      for (const p of peers.filter(p => p !== leaves[0])) {
        await p.events.waitFor(`${p.userID} sees u1 leave`, () => p.events.leftUsers('star').includes(leaves[0].userID))
      }
      // a sync point after the leave: every remaining member has processed the hub's later frames
      await hub.zim.sendMessage(text('after the leave'), 'star', 1, { priority: 1 })
      for (const p of peers.slice(2)) {
        await p.events.waitFor(`${p.userID} gets the hub's message`, () => p.events.textsFrom(hub.userID).includes('after the leave'))
      }
      for (const p of peers) {
        const joins = p.events.joinedUsers('star')
        assert.equal(new Set(joins).size, joins.length, `${p.userID} saw a join twice: ${joins.join()}`)
        assert.ok(!joins.includes(p.userID), `${p.userID} was told about itself`)
        assert.equal(p.events.leftUsers('star').filter(id => id === leaves[0].userID).length, p === leaves[0] ? 0 : 1)
      }
    } finally {
      await stopPeers(peers)
    }
  })

  it('joins and leaves cross a line of peers that are not directly connected', async () => {
    const peers = await startLine(5)
    try {
      const [first, , , , last] = peers
      await first.zim.createRoom({ roomID: 'line', roomName: 'Line' })
      for (const p of peers.slice(1)) await p.zim.joinRoom('line')
      assert.equal(first.node.getConnections(last.peerId).length, 0, 'the ends of the line are not connected')
      await first.events.waitFor('first sees the far end join', () => first.events.joinedUsers('line').includes(last.userID))
      const list = await last.zim.queryRoomMemberList('line', { nextFlag: '', count: 100 })
      assert.deepEqual(list.memberList.map(m => m.userID), ['u0', 'u1', 'u2', 'u3', 'u4'])
      await last.zim.sendMessage(text('down the line'), 'line', 1, { priority: 1 })
      await first.events.waitFor('first gets the far message', () => first.events.textsFrom(last.userID).includes('down the line'))
      await last.zim.leaveRoom('line')
      await first.events.waitFor('first sees the far end leave', () => first.events.leftUsers('line').includes(last.userID))
      assert.deepEqual(first.events.leftUsers('line'), [last.userID])
    } finally {
      await stopPeers(peers)
    }
  })

  it('joinRoom resolves with the member list complete and the joiner reachable at once', async () => {
    const peers = await startPeers(6)
    try {
      await peers[0].zim.createRoom({ roomID: 'ready', roomName: '' })
      for (const p of peers.slice(1, 5)) await p.zim.joinRoom('ready')
      const joiner = peers[5]
      await joiner.zim.joinRoom('ready')
      const { memberList } = await joiner.zim.queryRoomMemberList('ready', { nextFlag: '', count: 100 })
      assert.deepEqual(memberList.map(m => m.userID), ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'])
      assert.deepEqual(sorted(joiner.events.joinedUsers('ready')), ['u0', 'u1', 'u2', 'u3', 'u4'])
      await joiner.zim.sendMessage(text('first words'), 'ready', 1, { priority: 1 })
      for (const p of peers.slice(0, 5)) {
        await p.events.waitFor(`${p.userID} hears the joiner`, () => p.events.textsFrom('u5').includes('first words'))
      }
    } finally {
      await stopPeers(peers)
    }
  })

  it('a newcomer\'s JOIN reaches every member in one hop, on the links of the member it joined through', async () => {
    const peers = await startPeers(6)
    try {
      const members = peers.slice(0, 5)
      const newcomer = peers[5]
      await members[0].zim.createRoom({ roomID: 'relay', roomName: '' })
      for (const p of members.slice(1)) await p.zim.joinRoom('relay')
      // members open links to each other as they meet (at joins and heartbeats): wait for all of them
      for (const p of members) {
        await waitUntil(`${p.userID} has links from the other members`, () => inboundLinks(p).size >= members.length - 1)
      }
      const relayedBy = new Map<string, string>()
      for (const p of members) {
        watchLinkedFrames(p, (frame, from) => {
          const ann = frame.announcement
          if (ann?.kind === Announcement.Kind.JOIN && ann.userID === newcomer.userID) relayedBy.set(p.userID, from)
        })
      }
      await newcomer.zim.joinRoom('relay')
      for (const p of members) {
        await p.events.waitFor(`${p.userID} sees the newcomer join`, () => p.events.joinedUsers('relay').includes(newcomer.userID))
      }
      // the JOIN goes out to the member the newcomer took its snapshot from, which hands it on to every other
      // member at once; gossipsub's mesh (degree 3) would take it further in more hops. (With no member
      // known on the topic yet, the newcomer asks up to four connected peers: each of them relays.)
      const relayers = (): Set<string> => new Set(relayedBy.values())
      const relayedOrRelaying = (p: Peer): boolean => relayedBy.has(p.userID) || relayers().has(p.peerId.toString())
      await waitUntil('every member has the JOIN on a link, or relays it', () => members.every(relayedOrRelaying))
      assert.ok(relayers().size >= 1 && relayers().size < members.length, `relayed by ${relayers().size} members`)
      const memberIds = new Set(members.map(p => p.peerId.toString()))
      assert.ok([...relayers()].every(id => memberIds.has(id)), 'only members relay, never the newcomer')
      const { memberList } = await newcomer.zim.queryRoomMemberList('relay', { nextFlag: '', count: 100 })
      assert.deepEqual(memberList.map(m => m.userID), ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'])
    } finally {
      await stopPeers(peers)
    }
  })

  it('a member that answered a JOIN before the joiner was its topic peer hands it the answer again on a link', async () => {
    // members stay members through the member's silence below, and a join waits long for a silent member
    const config = { ...FAST, heartbeatInterval: 1000, memberTimeout: 30_000, joinTimeout: 10_000 }
    const appID = freshAppID()
    const host = await startPeer('host', { appID, ...config })
    const member = await startPeer('member', { appID, ...config, bootstrap: [host.addr] })
    const peers = [host, member]
    try {
      await host.zim.createRoom({ roomID: 'again', roomName: '' })
      await member.zim.joinRoom('again')
      // while the joiner joins, nothing the member publishes on the room's topic gets out (its answer, its
      // heartbeats): the joiner can hear it only on a link
      const topic = roomTopic(appID, 'again')
      const pubsub = member.node.services.pubsub
      const publish = pubsub.publish.bind(pubsub)
      const answers: boolean[] = []
      let firstAnswer = (): void => {}
      const answered = new Promise<void>(resolve => { firstAnswer = resolve })
      let joinerId = ''
      let muted = false
      pubsub.publish = async (t: string, data?: Uint8Array) => {
        if (t === topic && data != null && peek(data).announcement?.kind === Announcement.Kind.ANSWER) {
          answers.push(pubsub.getSubscribers(topic).some(p => p.toString() === joinerId))
          firstAnswer()
        }
        if (muted && t === topic) return { recipients: [] }
        return publish(t, data)
      }
      // the joiner reaches the member only once the member has answered its JOIN: refused before the join
      // (its DHT would connect them at login), held during it
      let joining = false
      const key = await generateKeyPair('Ed25519')
      const joiner = await startGatedPeer('joiner', key, (peer) => {
        if (peer !== member.peerId.toString()) return true
        return joining ? answered.then(() => true) : false
      }, { appID, ...config, bootstrap: [host.addr] })
      peers.push(joiner)
      joinerId = joiner.peerId.toString()
      joining = true
      muted = true
      const started = Date.now()
      await joiner.zim.joinRoom('again')
      const took = Date.now() - started
      muted = false
      assert.ok(took < config.joinTimeout / 2, `the joiner heard the member on a link, not waiting joinTimeout for it (joined in ${took} ms)`)
      assert.deepEqual(answers, [false], 'one answer on the topic, before the joiner was its topic peer')
      const { memberList } = await joiner.zim.queryRoomMemberList('again', { nextFlag: '', count: 100 })
      assert.deepEqual(memberList.map(m => m.userID).sort(), ['host', 'joiner', 'member'])
    } finally {
      await stopPeers(peers)
    }
  })

  it('a joiner announces itself at once: a member that does not answer its dial does not hold the JOIN up', async () => {
    // members stay members a while after falling silent, so the sleeper is in the joiner's snapshot
    const config = { ...FAST, heartbeatInterval: 1000, memberTimeout: 10_000 }
    const appID = freshAppID()
    const host = await startPeer('host', { appID, ...config })
    await host.zim.createRoom({ roomID: 'early', roomName: '' })
    const silent = await spawnPeer({ appID, ...config, bootstrap: [host.addr] }, 'sleeper', 'early')
    const peers = [host]
    try {
      await host.events.waitFor('host sees the sleeper', () => host.events.joinedUsers('early').includes('sleeper'))
      // stopped before the joiner starts, so the joiner never gets a connection to it: its dial hangs until
      // given up (1 s); the JOIN must not wait for it
      silent.kill('SIGSTOP')
      const joiner = await startPeer('joiner', { appID, ...config, bootstrap: [host.addr] })
      peers.push(joiner)
      const started = Date.now()
      const joining = joiner.zim.joinRoom('early')
      // awaited below; a failed assertion meanwhile stops the peers, and the call's rejection must not hide it
      joining.catch(() => {})
      await host.events.waitFor('host sees the joiner', () => host.events.joinedUsers('early').includes('joiner'))
      const seen = Date.now() - started
      assert.ok(seen < 1000, `the JOIN goes out before the joiner gives up its dial to the sleeper (1 s): the host saw it after ${seen} ms`)
      // the call itself waits for the sleeper's answer, up to joinTimeout
      const { roomInfo } = await joining
      assert.equal(roomInfo.baseInfo.roomID, 'early')
      assert.deepEqual(host.events.joinedUsers('early').filter(u => u === 'joiner'), ['joiner'])
    } finally {
      silent.kill('SIGKILL')
      await stopPeers(peers)
    }
  })

  it('a member whose node stops without leaving is reported left by everyone, once', async () => {
    const peers = await startPeers(4)
    try {
      await peers[0].zim.createRoom({ roomID: 'crash', roomName: '' })
      for (const p of peers.slice(1)) await p.zim.joinRoom('crash')
      const victim = peers[3]
      const started = Date.now()
      await victim.node.stop()
      for (const p of peers.slice(0, 3)) {
        await p.events.waitFor(`${p.userID} sees u3 gone`, () => p.events.leftUsers('crash').includes(victim.userID), FAST.memberTimeout! * 3)
      }
      const took = Date.now() - started
      assert.ok(took < FAST.memberTimeout!, `closed connections are noticed before the heartbeat bound (took ${took} ms)`)
      for (const p of peers.slice(0, 3)) assert.deepEqual(p.events.leftUsers('crash'), [victim.userID])
    } finally {
      await stopPeers(peers)
    }
  })

  it('a member check whose dial timed out while this process was stalled checks again: a live member is not reported left', async () => {
    // a check's dial is given 1000 ms here; the member stays a member a while after falling silent
    const peers = await startPeers(2, { config: { heartbeatInterval: 1000, memberTimeout: 6000 } })
    try {
      const [a, b] = peers
      await a.zim.createRoom({ roomID: 'stalled', roomName: '' })
      await b.zim.joinRoom('stalled')
      await a.events.waitFor('a sees b', () => a.events.joinedUsers('stalled').includes(b.userID))
      // a's connection to b closes and a checks b with a dial; then a's event loop is held up longer than the
      // dial's deadline (what a node starting 50 members in one process did for seconds): the deadline
      // passes with the dial's handshake never read
      let stalledUntil = 0
      a.node.addEventListener('peer:disconnect', () => {
        if (stalledUntil !== 0) return
        const until = Date.now() + 1500
        while (Date.now() < until) {}
        stalledUntil = Date.now()
      })
      await a.node.hangUp(b.peerId)
      await waitUntil('a is connected to b again, well after the stall', () => stalledUntil > 0 && Date.now() - stalledUntil > 2000 && a.node.getConnections(b.peerId).length > 0, 10_000)
      assert.deepEqual(a.events.leftUsers('stalled'), [], 'a did not report b left')
      assert.deepEqual(b.events.leftUsers('stalled'), [], 'b did not report a left')
      await b.zim.sendMessage(text('still here'), 'stalled', 1, { priority: 1 })
      await a.events.waitFor('a hears b', () => a.events.textsFrom(b.userID).includes('still here'))
    } finally {
      await stopPeers(peers)
    }
  })

  it('a member whose heartbeats wait unread while this process is saturated is not reported left', async () => {
    const peers = await startPeers(2)
    const memberTimeout = FAST.memberTimeout!
    try {
      const [a, b] = peers
      await a.zim.createRoom({ roomID: 'saturated', roomName: '' })
      await b.zim.joinRoom('saturated')
      await a.events.waitFor('a sees b', () => a.events.joinedUsers('saturated').includes(b.userID))
      // what 50 members starting in one process did: a's event loop stays busy, its timers run on time, and b's
      // heartbeats wait unread (here: their validation waits for the load to end) for longer than memberTimeout
      const pubsub = a.node.services.pubsub
      const topic = roomTopic(a.appID, 'saturated')
      const validate = pubsub.topicValidators.get(topic)
      assert.ok(validate != null)
      let loadEnded = (): void => {}
      const loadEnds = new Promise<void>(resolve => { loadEnded = resolve })
      pubsub.topicValidators.set(topic, async (source, message) => {
        if (source.equals(b.peerId)) await loadEnds
        return validate(source, message)
      })
      const loadUntil = Date.now() + memberTimeout * 1.5
      await new Promise<void>(resolve => {
        const busy = (): void => {
          const slice = Date.now() + 10
          while (Date.now() < slice) {}
          if (Date.now() < loadUntil) setImmediate(busy)
          else resolve()
        }
        busy()
      })
      pubsub.topicValidators.set(topic, validate)
      loadEnded()
      const ended = Date.now()
      await b.zim.sendMessage(text('after the load'), 'saturated', 1, { priority: 1 })
      await a.events.waitFor('a hears b', () => a.events.textsFrom(b.userID).includes('after the load'))
      await waitUntil('two member timeouts after the load', () => Date.now() - ended > memberTimeout * 2, memberTimeout * 4)
      assert.deepEqual(a.events.leftUsers('saturated'), [], 'a did not report b left')
      const { memberList } = await a.zim.queryRoomMemberList('saturated', { count: 10, nextFlag: '' })
      assert.deepEqual(sorted(memberList.map(m => m.userID)), sorted([a.userID, b.userID]))
    } finally {
      await stopPeers(peers)
    }
  })

  it('members not connected to a stopped member learn it from a neighbour and check it themselves, well before expiry', async () => {
    const peers = await startLine(3, { config: { heartbeatInterval: 1000, memberTimeout: 6000 } })
    try {
      const [first, , last] = peers
      await first.zim.createRoom({ roomID: 'relay', roomName: '' })
      for (const p of peers.slice(1)) await p.zim.joinRoom('relay')
      await first.events.waitFor('first sees the far end', () => first.events.joinedUsers('relay').includes(last.userID))
      assert.equal(first.node.getConnections(last.peerId).length, 0)
      const started = Date.now()
      await last.node.stop()
      await first.events.waitFor('first sees the far end gone', () => first.events.leftUsers('relay').includes(last.userID), 10_000)
      const took = Date.now() - started
      assert.ok(took < 3000, `reported in ${took} ms, against a 6000 ms member timeout`)
      assert.deepEqual(first.events.leftUsers('relay'), [last.userID])
    } finally {
      await stopPeers(peers)
    }
  })

  it('a joiner that waits longer than memberTimeout for a silent member\'s answer is never taken for gone', async () => {
    const appID = freshAppID()
    const host = await startPeer('host', { appID, ...FAST })
    await host.zim.createRoom({ roomID: 'slow-join', roomName: '' })
    const silent = await spawnPeer({ appID, ...FAST, bootstrap: [host.addr] }, 'sleeper', 'slow-join')
    const joiner = await startPeer('joiner', { appID, ...FAST, bootstrap: [host.addr] })
    try {
      await host.events.waitFor('host sees the sleeper', () => host.events.joinedUsers('slow-join').includes('sleeper'))
      // the sleeper is still a member when the joiner asks, and never answers its JOIN: the joiner waits joinTimeout
      silent.kill('SIGSTOP')
      const started = Date.now()
      await joiner.zim.joinRoom('slow-join')
      const took = Date.now() - started
      assert.ok(took > FAST.memberTimeout!, `the join waited for the sleeper (${took} ms), longer than memberTimeout`)
      await host.events.waitFor('host sees the sleeper gone', () => host.events.leftUsers('slow-join').includes('sleeper'))
      await joiner.zim.sendMessage(text('made it'), 'slow-join', 1, { priority: 1 })
      await host.events.waitFor('host gets the joiner\'s message', () => host.events.textsFrom('joiner').includes('made it'))
      assert.deepEqual(host.events.leftUsers('slow-join').filter(u => u === 'joiner'), [], 'the joiner was never reported left')
      assert.deepEqual(host.events.joinedUsers('slow-join').filter(u => u === 'joiner'), ['joiner'], 'and joined once')
    } finally {
      silent.kill('SIGKILL')
      await stopPeers([host, joiner])
    }
  })

  it('a member that falls silent (SIGSTOP, connections open) is reported left within the heartbeat bound', async () => {
    const appID = freshAppID()
    const host = await startPeer('host', { appID, ...FAST })
    const others: Peer[] = []
    await host.zim.createRoom({ roomID: 'silent', roomName: '' })
    const silent = await spawnPeer({ appID, ...FAST, bootstrap: [host.addr] }, 'sleeper', 'silent')
    try {
      others.push(await startPeer('watcher', { appID, ...FAST, bootstrap: [host.addr] }))
      await others[0].zim.joinRoom('silent')
      await host.events.waitFor('host sees the sleeper', () => host.events.joinedUsers('silent').includes('sleeper'))
      const before = await others[0].zim.queryRoomOnlineMemberCount('silent')
      assert.equal(before.count, 3)
      silent.kill('SIGSTOP')
      const stoppedAt = Date.now()
      for (const p of [host, others[0]]) {
        await p.events.waitFor(`${p.userID} sees the sleeper gone`, () => p.events.leftUsers('silent').includes('sleeper'), FAST.memberTimeout! * 4)
      }
      const took = Date.now() - stoppedAt
      assert.ok(took <= FAST.memberTimeout! + FAST.heartbeatInterval! * 3, `silence noticed in ${took} ms`)
      assert.equal((await host.zim.queryRoomOnlineMemberCount('silent')).count, 2)
    } finally {
      silent.kill('SIGKILL')
      await stopPeers([host, ...others])
    }
  })
})
