/**
 * Recovery: a message whose live copy never reaches a member (lost to a
 * crash on its path, a saturated node, gossip that ran out) is asked for by
 * messageID from its author and two other members, verified, and delivered
 * once, in order where the gap still holds later messages back. The loss
 * is made real: the receiver's topic validator drops that one frame, as a
 * lossy path would (gossipsub then takes every later copy of it for a
 * duplicate, so gossip cannot bring it back).
 */
import assert from 'node:assert/strict'
import { describe, it, afterEach } from 'node:test'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { roomTopic } from '../src/rooms/topics.js'
import { peek, startPeers, stopPeers, text } from './helpers.js'
import type { Peer } from './helpers.js'
import type { RoomsubConfig } from '../src/index.js'

const ROOM = 'recovery'

/** Makes `peer` lose the live copy of every message whose text is in `texts` (the first copy; gossipsub drops the rest as seen). */
function loseLiveCopies (peer: Peer, texts: string[]): string[] {
  const lost: string[] = []
  const topic = roomTopic(peer.appID, ROOM)
  const validators = peer.node.services.pubsub.topicValidators
  const validate = validators.get(topic)
  assert.ok(validate != null, 'the room installed its validator')
  validators.set(topic, async (source, msg) => {
    const said = peek(msg.data).message?.text
    if (said != null && texts.includes(said) && !lost.includes(said)) {
      lost.push(said)
      return TopicValidatorResult.Ignore
    }
    return validate(source, msg)
  })
  return lost
}

async function room (config: Partial<RoomsubConfig> = {}): Promise<Peer[]> {
  const peers = await startPeers(3, { userIDs: ['alice', 'bob', 'carol'], config })
  await peers[0].zim.createRoom({ roomID: ROOM, roomName: '' })
  await peers[1].zim.joinRoom(ROOM)
  await peers[2].zim.joinRoom(ROOM)
  for (const p of peers.slice(0, 2)) await p.events.waitFor(`${p.userID} sees carol join`, () => p.events.joinedUsers(ROOM).includes('carol'))
  return peers
}

describe('recovery of messages whose live copy never came', () => {
  let peers: Peer[] = []
  afterEach(async () => { await stopPeers(peers); peers = [] })

  it('a lost message that later ones are held back behind is recovered from its author and delivered in order', async () => {
    peers = await room()
    const [alice, bob, carol] = peers
    const lost = loseLiveCopies(carol, ['m2'])
    for (const m of ['m1', 'm2', 'm3']) await alice.zim.sendMessage(text(m), ROOM, 1, { priority: 1 })
    await bob.events.waitFor('bob gets all three', () => bob.events.textsFrom('alice').length === 3)
    await carol.events.waitFor('carol gets all three', () => carol.events.textsFrom('alice').length === 3, 5000)
    assert.deepEqual(lost, ['m2'], 'carol\'s live copy of m2 was lost')
    assert.deepEqual(carol.events.textsFrom('alice'), ['m1', 'm2', 'm3'], 'in order, each once')
  })

  it('a lost last message, that nothing later shows missing, is recovered once the author\'s heartbeat says it was sent', async () => {
    peers = await room()
    const [alice, bob, carol] = peers
    const lost = loseLiveCopies(carol, ['last'])
    await alice.zim.sendMessage(text('first'), ROOM, 1, { priority: 1 })
    await alice.zim.sendMessage(text('last'), ROOM, 1, { priority: 1 })
    await bob.events.waitFor('bob gets both', () => bob.events.textsFrom('alice').length === 2)
    await carol.events.waitFor('carol gets both', () => carol.events.textsFrom('alice').length === 2, 5000)
    assert.deepEqual(lost, ['last'])
    assert.deepEqual(carol.events.textsFrom('alice'), ['first', 'last'])
    // the live path still works after a recovery, and nothing comes twice
    await alice.zim.sendMessage(text('after'), ROOM, 1, { priority: 1 })
    await carol.events.waitFor('carol gets the next one', () => carol.events.textsFrom('alice').length === 3)
    assert.deepEqual(carol.events.textsFrom('alice'), ['first', 'last', 'after'])
  })

  it('with history off nobody keeps a message to hand back: the gap is skipped and the lost message stays lost', async () => {
    peers = await room({ historyLimit: 0 })
    const [alice, bob, carol] = peers
    loseLiveCopies(carol, ['m2'])
    for (const m of ['m1', 'm2', 'm3']) await alice.zim.sendMessage(text(m), ROOM, 1, { priority: 1 })
    await bob.events.waitFor('bob gets all three', () => bob.events.textsFrom('alice').length === 3)
    await carol.events.waitFor('carol skips the gap', () => carol.events.textsFrom('alice').length === 2, 5000)
    assert.deepEqual(carol.events.textsFrom('alice'), ['m1', 'm3'])
  })
})
