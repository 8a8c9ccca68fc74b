/**
 * Room attributes on real nodes: what a creator sets, ZIM's ownership rules
 * (isForce, isUpdateOwner, isDeleteAfterOwnerLeft), limits, batches,
 * concurrent writers settling on one value everywhere, a late joiner getting
 * the current attributes with the room, and frames from outside the room.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { roomTopic } from '../src/rooms/topics.js'
import { ZIMErrorCode, ZIMRoomAttributesUpdateAction } from '../src/index.js'
import { FAST, Forger, captureFrames, eventually, freshAppID, peek, rejectsWith, rewrap, startAttacker, startPartition, startPeer, startPeers, stopPeers, waitUntil } from './helpers.js'
import type { Peer } from './helpers.js'

const SET = { isForce: false, isDeleteAfterOwnerLeft: false, isUpdateOwner: false }

async function attrs (peer: Peer, roomID: string): Promise<Record<string, string>> {
  return (await peer.zim.queryRoomAllAttributes(roomID)).roomAttributes
}

/** Waits until every peer's attributes equal `expected`. */
async function allSee (peers: Peer[], roomID: string, expected: Record<string, string>, timeout = 10_000): Promise<void> {
  for (const p of peers) {
    await eventually(`${p.userID} sees ${JSON.stringify(expected)}`, async () => JSON.stringify(sortKeys(await attrs(p, roomID))) === JSON.stringify(sortKeys(expected)), timeout)
  }
}

/** Waits until every peer holds the same attributes with `done` true of them; returns them. */
async function agreement (peers: Peer[], roomID: string, done: (agreed: Record<string, string>) => boolean, timeout = 10_000): Promise<Record<string, string>> {
  let agreed: Record<string, string> = {}
  await eventually('every member holds the same attributes', async () => {
    const views = await Promise.all(peers.map(async p => JSON.stringify(sortKeys(await attrs(p, roomID)))))
    agreed = new Set(views).size === 1 ? JSON.parse(views[0]) as Record<string, string> : {}
    return done(agreed)
  }, timeout)
  return agreed
}

function sortKeys (o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))
}

describe('room attributes', () => {
  it('the first creator\'s attributes come with the room: a joiner has them when joinRoom resolves, a second enterRoom\'s are ignored', async () => {
    const peers = await startPeers(3)
    try {
      const [a, b, c] = peers
      await a.zim.createRoom({ roomID: 'r', roomName: 'R' }, { roomAttributes: { topic: 'cats', mode: 'open' } })
      assert.deepEqual(await attrs(a, 'r'), { topic: 'cats', mode: 'open' })
      await b.zim.joinRoom('r')
      assert.deepEqual(sortKeys(await attrs(b, 'r')), { mode: 'open', topic: 'cats' }, 'the joiner has them as soon as joinRoom resolves')
      await c.zim.enterRoom({ roomID: 'r', roomName: 'other' }, { roomAttributes: { topic: 'dogs', extra: 'x' } })
      assert.deepEqual(sortKeys(await attrs(c, 'r')), { mode: 'open', topic: 'cats' }, 'only the first creator\'s attributes count')
      // nobody was told about attributes that were there before it joined
      for (const p of peers) assert.equal(p.events.attributeUpdates.length, 0)
    } finally {
      await stopPeers(peers)
    }
  })

  it('a key another user owns needs isForce; errorKeys names what failed, 6000331 when all did; isUpdateOwner takes the key over', async () => {
    const peers = await startPeers(2)
    try {
      const [a, b] = peers
      await a.zim.createRoom({ roomID: 'own', roomName: '' })
      await b.zim.joinRoom('own')
      await a.zim.setRoomAttributes({ seat1: 'alice' }, 'own', SET)
      await allSee(peers, 'own', { seat1: 'alice' })

      const partly = await b.zim.setRoomAttributes({ seat1: 'bob', seat2: 'bob' }, 'own', SET)
      assert.deepEqual(partly, { roomID: 'own', errorKeys: ['seat1'] })
      await allSee(peers, 'own', { seat1: 'alice', seat2: 'bob' })
      await rejectsWith(b.zim.setRoomAttributes({ seat1: 'bob' }, 'own', SET), ZIMErrorCode.RoomModuleRoomAttributesOperationFailedCompletely)
      await rejectsWith(b.zim.deleteRoomAttributes(['seat1'], 'own', { isForce: false }), ZIMErrorCode.RoomModuleRoomAttributesOperationFailedCompletely)

      // forced without isUpdateOwner: the value changes, alice still owns the key
      assert.deepEqual(await b.zim.setRoomAttributes({ seat1: 'forced' }, 'own', { ...SET, isForce: true }), { roomID: 'own', errorKeys: [] })
      await allSee(peers, 'own', { seat1: 'forced', seat2: 'bob' })
      await rejectsWith(b.zim.setRoomAttributes({ seat1: 'again' }, 'own', SET), ZIMErrorCode.RoomModuleRoomAttributesOperationFailedCompletely)
      // with isUpdateOwner bob owns it: now alice is the one who needs isForce
      await b.zim.setRoomAttributes({ seat1: 'bobs' }, 'own', { ...SET, isForce: true, isUpdateOwner: true })
      await allSee(peers, 'own', { seat1: 'bobs', seat2: 'bob' })
      await rejectsWith(a.zim.deleteRoomAttributes(['seat1'], 'own', { isForce: false }), ZIMErrorCode.RoomModuleRoomAttributesOperationFailedCompletely)
      assert.deepEqual(await b.zim.deleteRoomAttributes(['seat1', 'never-set'], 'own', { isForce: false }), { roomID: 'own', errorKeys: [] })
      await allSee(peers, 'own', { seat2: 'bob' })

      // alice's events describe every change she saw, in order
      assert.deepEqual(a.events.attributesFromEvents('own'), { seat2: 'bob' })
      const aliceSaw = a.events.attributeUpdates.flatMap(e => e.infos.map(i => [i.action, JSON.stringify(i.roomAttributes)]))
      assert.deepEqual(aliceSaw, [
        [ZIMRoomAttributesUpdateAction.Set, '{"seat1":"alice"}'],
        [ZIMRoomAttributesUpdateAction.Set, '{"seat2":"bob"}'],
        [ZIMRoomAttributesUpdateAction.Set, '{"seat1":"forced"}'],
        [ZIMRoomAttributesUpdateAction.Set, '{"seat1":"bobs"}'],
        [ZIMRoomAttributesUpdateAction.Delete, '{"seat1":"bobs"}']
      ])
    } finally {
      await stopPeers(peers)
    }
  })

  it('ZIM\'s limits give 6000334 to 6000337, bad input 6000001, and outside a room 6000321', async () => {
    const [a] = await startPeers(1)
    try {
      await a.zim.createRoom({ roomID: 'lim', roomName: '' })
      await rejectsWith(a.zim.setRoomAttributes({ 'seventeen-bytes-k': 'v' }, 'lim', SET), ZIMErrorCode.RoomModuleTheLengthOfRoomAttributeKeyExceedsLimit)
      await rejectsWith(a.zim.setRoomAttributes({ k: 'v'.repeat(1025) }, 'lim', SET), ZIMErrorCode.RoomModuleTheLengthOfRoomAttributeValueExceedsLimit)
      const twenty = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v']))
      await a.zim.setRoomAttributes(twenty, 'lim', SET)
      await rejectsWith(a.zim.setRoomAttributes({ k20: 'v' }, 'lim', SET), ZIMErrorCode.RoomModuleTheNumberOfRoomAttributesExceedsLimit)
      // replacing a value keeps the count
      await a.zim.setRoomAttributes({ k0: 'w' }, 'lim', SET)
      const big = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`k${i}`, 'x'.repeat(1000)]))
      await rejectsWith(a.zim.setRoomAttributes(big, 'lim', SET), ZIMErrorCode.RoomModuleTheTotalLengthOfRoomAttributesValueExceedsLimit)
      await rejectsWith(a.zim.createRoom({ roomID: 'lim2', roomName: '' }, { roomAttributes: { k: 'v'.repeat(2000) } }), ZIMErrorCode.RoomModuleTheLengthOfRoomAttributeValueExceedsLimit)
      assert.equal(Object.keys(await attrs(a, 'lim')).length, 20)

      for (const bad of [undefined, null, {}, [], { k: 1 }, { '': 'v' }]) {
        await rejectsWith(a.zim.setRoomAttributes(bad as unknown as Record<string, string>, 'lim', SET), ZIMErrorCode.CommonModuleParamsInvalid)
      }
      await rejectsWith(a.zim.setRoomAttributes({ k: 'v' }, 'lim', { isForce: 'yes' } as unknown as typeof SET), ZIMErrorCode.CommonModuleParamsInvalid)
      await rejectsWith(a.zim.deleteRoomAttributes([], 'lim', { isForce: false }), ZIMErrorCode.CommonModuleParamsInvalid)
      await rejectsWith(a.zim.deleteRoomAttributes('k0' as unknown as string[], 'lim', { isForce: false }), ZIMErrorCode.CommonModuleParamsInvalid)
      await rejectsWith(a.zim.setRoomAttributes({ k: 'v' }, 'elsewhere', SET), ZIMErrorCode.RoomModuleUserIsNotInTheRoom)
      await rejectsWith(a.zim.queryRoomAllAttributes('elsewhere'), ZIMErrorCode.RoomModuleUserIsNotInTheRoom)
      assert.throws(() => { a.zim.beginRoomAttributesBatchOperation('elsewhere', SET) }, { code: ZIMErrorCode.RoomModuleUserIsNotInTheRoom })
      await rejectsWith(a.zim.endRoomAttributesBatchOperation('lim'), ZIMErrorCode.CommonModuleParamsInvalid)
    } finally {
      await stopPeers([a])
    }
  })

  it('a batch goes out as one change: members get one roomAttributesBatchUpdated with its sets and deletes', async () => {
    const peers = await startPeers(3)
    try {
      const [a, b, c] = peers
      await a.zim.createRoom({ roomID: 'batch', roomName: '' }, { roomAttributes: { old: '1', keep: '2' } })
      await b.zim.joinRoom('batch')
      await c.zim.joinRoom('batch')
      a.zim.beginRoomAttributesBatchOperation('batch', SET)
      assert.throws(() => { a.zim.beginRoomAttributesBatchOperation('batch', SET) }, { code: ZIMErrorCode.CommonModuleParamsInvalid })
      await a.zim.setRoomAttributes({ x: '1', y: '1' }, 'batch', SET)
      await a.zim.setRoomAttributes({ y: '2' }, 'batch', SET)
      await a.zim.deleteRoomAttributes(['old'], 'batch', { isForce: false })
      // nothing went out yet
      assert.deepEqual(sortKeys(await attrs(b, 'batch')), { keep: '2', old: '1' })
      assert.deepEqual(await a.zim.endRoomAttributesBatchOperation('batch'), { roomID: 'batch' })
      for (const p of [b, c]) {
        await p.events.waitFor(`${p.userID} gets the batch`, () => p.events.attributeBatches.length === 1)
        assert.deepEqual(p.events.attributeBatches[0].infos, [
          { action: ZIMRoomAttributesUpdateAction.Set, roomAttributes: { x: '1', y: '2' } },
          { action: ZIMRoomAttributesUpdateAction.Delete, roomAttributes: { old: '1' } }
        ])
        assert.equal(p.events.attributeUpdates.length, 0, 'a batch is not reported as single updates')
      }
      await allSee(peers, 'batch', { keep: '2', x: '1', y: '2' })
    } finally {
      await stopPeers(peers)
    }
  })

  it('concurrent writers of the same keys settle on the same values at every member, and each member\'s events lead to them', async () => {
    const peers = await startPeers(5)
    try {
      await peers[0].zim.createRoom({ roomID: 'race', roomName: '' })
      for (const p of peers.slice(1)) await p.zim.joinRoom('race')
      for (let round = 0; round < 5; round++) {
        await Promise.all(peers.map(async p => p.zim.setRoomAttributes({ shared: `${p.userID}-${round}`, [`own-${p.userID}`]: `${round}` }, 'race', { ...SET, isForce: true })))
      }
      // the winner of each key is the same everywhere: wait until all agree, whatever the value
      const agreed = await agreement(peers, 'race', a => Object.keys(a).length === 6)
      assert.match(agreed.shared, /^u\d-4$/, 'the last round wins (its clocks are larger than every earlier one)')
      for (const p of peers) {
        assert.deepEqual(sortKeys(p.events.attributesFromEvents('race')), agreed, `${p.userID}'s events add up to the settled values`)
      }
    } finally {
      await stopPeers(peers)
    }
  })

  it('isDeleteAfterOwnerLeft removes the owner\'s keys at every member when it leaves, and when it vanishes without a word', async () => {
    const peers = await startPeers(4)
    try {
      const [a, b, c, d] = peers
      await a.zim.createRoom({ roomID: 'owners', roomName: '' })
      for (const p of [b, c, d]) await p.zim.joinRoom('owners')
      await b.zim.setRoomAttributes({ mic: 'b', stays: 'b' }, 'owners', SET)
      await b.zim.setRoomAttributes({ mic: 'b' }, 'owners', { ...SET, isDeleteAfterOwnerLeft: true })
      await c.zim.setRoomAttributes({ cam: 'c' }, 'owners', { ...SET, isDeleteAfterOwnerLeft: true })
      await allSee(peers, 'owners', { mic: 'b', stays: 'b', cam: 'c' })

      await b.zim.leaveRoom('owners')
      await allSee([a, c, d], 'owners', { stays: 'b', cam: 'c' })
      for (const p of [a, c, d]) {
        await p.events.waitFor(`${p.userID} is told mic went`, () => p.events.attributeUpdates.some(e => e.infos.some(i => i.action === ZIMRoomAttributesUpdateAction.Delete && 'mic' in i.roomAttributes)))
      }

      // c's node dies without a leave: members find it gone and drop its key too
      await c.node.stop()
      await allSee([a, d], 'owners', { stays: 'b' })
      // a later joiner never sees keys whose owners are gone
      const e = await startPeer('late', { appID: a.appID, ...FAST, bootstrap: [a.addr] })
      peers.push(e)
      await e.zim.joinRoom('owners')
      assert.deepEqual(await attrs(e, 'owners'), { stays: 'b' })
    } finally {
      await stopPeers(peers)
    }
  })

  it('attributes vanish with the room: after the last member leaves, a new room of that ID starts empty', async () => {
    const peers = await startPeers(2)
    try {
      const [a, b] = peers
      await a.zim.createRoom({ roomID: 'gone', roomName: '' }, { roomAttributes: { first: 'life' } })
      await b.zim.joinRoom('gone')
      await b.zim.setRoomAttributes({ more: 'x' }, 'gone', SET)
      await allSee(peers, 'gone', { first: 'life', more: 'x' })
      await b.zim.leaveRoom('gone')
      await a.zim.leaveRoom('gone')
      await b.zim.enterRoom({ roomID: 'gone', roomName: '' })
      assert.deepEqual(await attrs(b, 'gone'), {})
    } finally {
      await stopPeers(peers)
    }
  })

  it('a partition heals into one set of attributes: members whose digests differ fetch each other\'s frames', async () => {
    const net = await startPartition([2, 2])
    try {
      const [a0, a1] = net.sides[0]
      const [b0, b1] = net.sides[1]
      await a0.zim.createRoom({ roomID: 'split', roomName: '' })
      for (const p of [a1, b0, b1]) await p.zim.joinRoom('split')
      await a0.zim.setRoomAttributes({ before: 'cut' }, 'split', SET)
      await allSee(net.all, 'split', { before: 'cut' })
      await net.cut()
      await a1.zim.setRoomAttributes({ side: 'a', a: '1' }, 'split', { ...SET, isForce: true })
      await b1.zim.setRoomAttributes({ side: 'b', b: '1' }, 'split', { ...SET, isForce: true })
      await allSee(net.sides[0], 'split', { before: 'cut', side: 'a', a: '1' })
      await allSee(net.sides[1], 'split', { before: 'cut', side: 'b', b: '1' })
      net.heal()
      const agreed = await agreement(net.all, 'split', a => a.a === '1' && a.b === '1', 30_000)
      assert.ok(agreed.side === 'a' || agreed.side === 'b')
      for (const p of net.all) {
        assert.deepEqual(sortKeys(p.events.attributesFromEvents('split')), agreed, `${p.userID}'s events add up to the settled values`)
      }
    } finally {
      await stopPeers(net.all)
    }
  })

  it('attribute frames from outside the room, malformed ones and replays change nothing and are counted', async () => {
    const appID = freshAppID()
    const a = await startPeer('alice', { appID, ...FAST })
    const b = await startPeer('bob', { appID, ...FAST, bootstrap: [a.addr] })
    const topic = roomTopic(appID, 'guarded')
    const attacker = await (async () => {
      await a.zim.createRoom({ roomID: 'guarded', roomName: '' })
      await b.zim.joinRoom('guarded')
      return startAttacker(a, topic)
    })()
    try {
      const captured = captureFrames(attacker, topic)
      const forger = new Forger(appID, attacker.key)
      const stats = (): Record<string, number> => a.zim.frameStats()
      const ignoredBefore = stats()['attributes-ignored'] ?? 0
      await attacker.node.services.pubsub.publish(topic, await forger.seal(forger.attributes('guarded', { clock: 5n, room: [{ key: 'owned', value: 'by me', deleted: false, owner: 'mallory', deleteAfterOwnerLeft: false, ownerSession: 0n }] })))
      await waitUntil('alice ignored the stranger\'s attributes', () => (stats()['attributes-ignored'] ?? 0) > ignoredBefore)
      const shapeBefore = stats()['wrong-room-or-shape'] ?? 0
      const both = { ...forger.attributes('guarded', { room: [{ key: 'k', value: 'v', deleted: false, owner: 'x', deleteAfterOwnerLeft: false, ownerSession: 0n }] }), message: forger.message('guarded', 'x', 1n, 'hi').message }
      await attacker.node.services.pubsub.publish(topic, await forger.seal(both))
      await waitUntil('alice refused a frame with two parts', () => (stats()['wrong-room-or-shape'] ?? 0) > shapeBefore)

      // a replay of bob's older frame after a newer one: nothing changes, no event
      await b.zim.setRoomAttributes({ k: 'old' }, 'guarded', SET)
      await waitUntil('the attacker captured the frame', () => captured.some(f => peek(f).attributes?.room[0]?.value === 'old'))
      await b.zim.setRoomAttributes({ k: 'new' }, 'guarded', SET)
      await allSee([a, b], 'guarded', { k: 'new' })
      const eventsBefore = a.events.attributeUpdates.length
      const old = captured.find(f => peek(f).attributes?.room[0]?.value === 'old') as Uint8Array
      const replaysBefore = stats()['attributes-ignored'] ?? 0
      await attacker.node.services.pubsub.publish(topic, rewrap(old, 1))
      await waitUntil('alice ignored the replay', () => (stats()['attributes-ignored'] ?? 0) > replaysBefore)
      assert.deepEqual(await attrs(a, 'guarded'), { k: 'new' })
      assert.equal(a.events.attributeUpdates.length, eventsBefore, 'the replay fired no event')
    } finally {
      await attacker.node.stop()
      await stopPeers([a, b])
    }
  })
})
