/**
 * Room member attributes on real nodes: set on oneself and on others,
 * queries and paging, the event with who did it, ZIM's limits, concurrent
 * writers settling on one value, and attributes that go (or stay) when
 * their member leaves.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ZIMErrorCode } from '../src/index.js'
import { FAST, eventually, rejectsWith, startPeer, startPeers, stopPeers } from './helpers.js'
import type { Peer } from './helpers.js'

async function attrsOf (peer: Peer, roomID: string, userID: string): Promise<Record<string, string>> {
  const { infos } = await peer.zim.queryRoomMembersAttributes([userID], roomID)
  return infos[0]?.attributes ?? {}
}

async function allSee (peers: Peer[], roomID: string, userID: string, expected: Record<string, string>): Promise<void> {
  for (const p of peers) {
    await eventually(`${p.userID} sees ${userID}'s ${JSON.stringify(expected)}`, async () =>
      JSON.stringify(Object.entries(await attrsOf(p, roomID, userID)).sort()) === JSON.stringify(Object.entries(expected).sort()))
  }
}

describe('room member attributes', () => {
  it('a member sets attributes on itself and on others; every member sees them, with who did it', async () => {
    const peers = await startPeers(3)
    try {
      const [a, b, c] = peers
      await a.zim.createRoom({ roomID: 'm', roomName: '' })
      await b.zim.joinRoom('m')
      await c.zim.joinRoom('m')
      const result = await a.zim.setRoomMembersAttributes({ role: 'host' }, ['u0', 'u1', 'nobody'], 'm', { isDeleteAfterOwnerLeft: true })
      assert.deepEqual(result, {
        roomID: 'm',
        infos: [
          { attributesInfo: { userID: 'u0', attributes: { role: 'host' } }, errorKeys: [] },
          { attributesInfo: { userID: 'u1', attributes: { role: 'host' } }, errorKeys: [] }
        ],
        errorUserList: ['nobody']
      })
      await allSee(peers, 'm', 'u1', { role: 'host' })
      await c.events.waitFor('c is told', () => c.events.memberAttributeUpdates.length > 0)
      assert.deepEqual(c.events.memberAttributeUpdates[0], {
        roomID: 'm',
        infos: [{ attributesInfo: { userID: 'u0', attributes: { role: 'host' } } }, { attributesInfo: { userID: 'u1', attributes: { role: 'host' } } }],
        operatedInfo: { userID: 'u0' }
      })
      await b.zim.setRoomMembersAttributes({ role: 'guest', lvl: '3' }, ['u1'], 'm', { isDeleteAfterOwnerLeft: true })
      await allSee(peers, 'm', 'u1', { role: 'guest', lvl: '3' })

      const query = await c.zim.queryRoomMembersAttributes(['u0', 'u1', 'u2', 'nobody'], 'm')
      assert.deepEqual(query, {
        roomID: 'm',
        infos: [
          { userID: 'u0', attributes: { role: 'host' } },
          { userID: 'u1', attributes: { role: 'guest', lvl: '3' } },
          { userID: 'u2', attributes: {} }
        ]
      })
      const page1 = await c.zim.queryRoomMemberAttributesList('m', { nextFlag: '', count: 1 })
      assert.deepEqual(page1, { roomID: 'm', infos: [{ userID: 'u0', attributes: { role: 'host' } }], nextFlag: 'u0' })
      const page2 = await c.zim.queryRoomMemberAttributesList('m', { nextFlag: page1.nextFlag, count: 1 })
      assert.deepEqual(page2, { roomID: 'm', infos: [{ userID: 'u1', attributes: { role: 'guest', lvl: '3' } }], nextFlag: '' })
      assert.deepEqual(await c.zim.queryRoomMemberAttributesList('m', { nextFlag: '', count: 0 }), { roomID: 'm', infos: [], nextFlag: '' })

      // a later joiner has them when joinRoom resolves
      const late = await startPeer('late', { appID: a.appID, ...FAST, bootstrap: [a.addr] })
      peers.push(late)
      await late.zim.joinRoom('m')
      assert.deepEqual(await attrsOf(late, 'm', 'u1'), { role: 'guest', lvl: '3' })
    } finally {
      await stopPeers(peers)
    }
  })

  it('a member\'s attributes go when it leaves (the default) and stay when set with isDeleteAfterOwnerLeft false', async () => {
    const peers = await startPeers(3)
    try {
      const [a, b, c] = peers
      await a.zim.createRoom({ roomID: 'bye', roomName: '' })
      await b.zim.joinRoom('bye')
      await c.zim.joinRoom('bye')
      await a.zim.setRoomMembersAttributes({ seat: '1' }, ['u1'], 'bye', { isDeleteAfterOwnerLeft: true })
      await a.zim.setRoomMembersAttributes({ seat: '2' }, ['u2'], 'bye', { isDeleteAfterOwnerLeft: false })
      await allSee(peers, 'bye', 'u1', { seat: '1' })
      await allSee(peers, 'bye', 'u2', { seat: '2' })
      await b.zim.leaveRoom('bye')
      await c.zim.leaveRoom('bye')
      await a.events.waitFor('a sees both leave', () => a.events.leftUsers('bye').length === 2)
      const list = await a.zim.queryRoomMemberAttributesList('bye', { nextFlag: '', count: 100 })
      assert.deepEqual(list.infos, [], 'members not in the room are not listed')
      // u2 comes back: the attributes set to stay are still there; u1's are gone
      await c.zim.joinRoom('bye')
      await b.zim.joinRoom('bye')
      assert.deepEqual(await attrsOf(c, 'bye', 'u2'), { seat: '2' })
      assert.deepEqual(await attrsOf(c, 'bye', 'u1'), {})
      await allSee([a, b, c], 'bye', 'u2', { seat: '2' })
      await allSee([a, b, c], 'bye', 'u1', {})
    } finally {
      await stopPeers(peers)
    }
  })

  it('concurrent writers of one member\'s attribute settle on the same value everywhere', async () => {
    const peers = await startPeers(4)
    try {
      await peers[0].zim.createRoom({ roomID: 'mrace', roomName: '' })
      for (const p of peers.slice(1)) await p.zim.joinRoom('mrace')
      for (let round = 0; round < 4; round++) {
        await Promise.all(peers.map(async p => p.zim.setRoomMembersAttributes({ k: `${p.userID}${round}` }, ['u0'], 'mrace', { isDeleteAfterOwnerLeft: true })))
      }
      let agreed = ''
      await eventually('every member holds one value', async () => {
        const views = await Promise.all(peers.map(async p => (await attrsOf(p, 'mrace', 'u0')).k))
        agreed = new Set(views).size === 1 ? views[0] : ''
        return agreed !== ''
      })
      assert.match(agreed, /^u\d3$/)
    } finally {
      await stopPeers(peers)
    }
  })

  it('ZIM\'s member attribute limits give 6000351 to 6000357; bad input 6000001', async () => {
    const [a] = await startPeers(1)
    try {
      await a.zim.createRoom({ roomID: 'mlim', roomName: '' })
      const cfg = { isDeleteAfterOwnerLeft: true }
      await rejectsWith(a.zim.setRoomMembersAttributes({ ninebytes: 'v' }, ['u0'], 'mlim', cfg), ZIMErrorCode.RoomModuleTheLengthOfRoomMemberAttributesKeyExceedsLimit)
      await rejectsWith(a.zim.setRoomMembersAttributes({ k: 'v'.repeat(65) }, ['u0'], 'mlim', cfg), ZIMErrorCode.RoomModuleTheLengthOfRoomMemberAttributesValueExceedsLimit)
      const thirty = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, '']))
      await a.zim.setRoomMembersAttributes(thirty, ['u0'], 'mlim', cfg)
      await rejectsWith(a.zim.setRoomMembersAttributes({ k30: '' }, ['u0'], 'mlim', cfg), ZIMErrorCode.RoomModuleTheMemberNumberOfRoomMemberAttributesExceedsLimit)
      await rejectsWith(a.zim.setRoomMembersAttributes({ k0: 'v'.repeat(64), k1: 'v'.repeat(64) }, ['u0'], 'mlim', cfg), ZIMErrorCode.RoomModuleTheTotalLengthOfRoomMemberAttributesExceedsLimit)
      await rejectsWith(a.zim.setRoomMembersAttributes({ k: 'v' }, [], 'mlim', cfg), ZIMErrorCode.CommonModuleParamsInvalid)
      await rejectsWith(a.zim.setRoomMembersAttributes({ k: 'v' }, Array.from({ length: 101 }, (_, i) => `x${i}`), 'mlim', cfg), ZIMErrorCode.CommonModuleParamsInvalid)
      await rejectsWith(a.zim.setRoomMembersAttributes({ k: 'v' }, ['u0'], 'mlim', { isDeleteAfterOwnerLeft: 1 } as unknown as typeof cfg), ZIMErrorCode.CommonModuleParamsInvalid)
      await rejectsWith(a.zim.queryRoomMembersAttributes(['bad id!*'], 'mlim'), ZIMErrorCode.CommonModuleParamsInvalid)
      await rejectsWith(a.zim.queryRoomMemberAttributesList('mlim', { nextFlag: 3 } as unknown as { nextFlag: string, count: number }), ZIMErrorCode.CommonModuleParamsInvalid)
      await rejectsWith(a.zim.queryRoomMembersAttributes(['u0'], 'elsewhere'), ZIMErrorCode.RoomModuleUserIsNotInTheRoom)
      assert.equal(Object.keys(await attrsOf(a, 'mlim', 'u0')).length, 30)
    } finally {
      await stopPeers([a])
    }
  })
})
