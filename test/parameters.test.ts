import assert from 'node:assert/strict'
import { describe, it, before, after } from 'node:test'
import { ZIMErrorCode } from '../src/index.js'
import { rejectsWith, startPeers, stopPeers } from './helpers.js'
import type { Peer } from './helpers.js'

describe('parameter checks (6000001 before the network)', () => {
  let peers: Peer[] = []
  before(async () => {
    peers = await startPeers(2)
    await peers[0].zim.createRoom({ roomID: 'params', roomName: '' })
  })
  after(async () => { await stopPeers(peers) })

  it('refuses roomIDs, room names and configs that break ZIM\'s rules, and nothing is half-done', async () => {
    const [, b] = peers
    const badRoomIDs = ['', 'x'.repeat(129), 'slash/room', 'tab\troom', 'émoji', 42 as unknown as string, undefined as unknown as string]
    for (const roomID of badRoomIDs) {
      await rejectsWith(b.zim.joinRoom(roomID), ZIMErrorCode.CommonModuleParamsInvalid)
      await rejectsWith(b.zim.createRoom({ roomID, roomName: '' }), ZIMErrorCode.CommonModuleParamsInvalid)
      await rejectsWith(b.zim.enterRoom({ roomID, roomName: '' }), ZIMErrorCode.CommonModuleParamsInvalid)
      await rejectsWith(b.zim.leaveRoom(roomID), ZIMErrorCode.CommonModuleParamsInvalid)
      await rejectsWith(b.zim.queryRoomOnlineMemberCount(roomID), ZIMErrorCode.CommonModuleParamsInvalid)
    }
    await rejectsWith(b.zim.createRoom({ roomID: 'ok', roomName: 'n'.repeat(65) }), ZIMErrorCode.CommonModuleParamsInvalid)
    await rejectsWith(b.zim.createRoom(null as never), ZIMErrorCode.CommonModuleParamsInvalid)
    for (const roomDestroyDelayTime of [-1, 10801, 1.5, Number.NaN]) {
      await rejectsWith(b.zim.createRoom({ roomID: 'ok', roomName: '' }, { roomDestroyDelayTime }), ZIMErrorCode.CommonModuleParamsInvalid)
    }
    await rejectsWith(b.zim.queryRoomMemberList('params', null as never), ZIMErrorCode.CommonModuleParamsInvalid)
    await rejectsWith(b.zim.queryRoomMemberList('params', { nextFlag: 3 as never, count: 10 }), ZIMErrorCode.CommonModuleParamsInvalid)
    // the widest legal IDs are fine: spaces, commas and ZIM's punctuation, 128 bytes
    const legal = 'A room, with !#$%&()+-:;<=.>?@[]^_{}|~ ' + 'z'.repeat(128 - 39)
    assert.equal(Buffer.byteLength(legal), 128)
    await b.zim.createRoom({ roomID: legal, roomName: 'n'.repeat(64) }, { roomDestroyDelayTime: 10800 })
    await b.zim.leaveRoom(legal)
    // none of the refused calls left a room behind or took a slot
    await rejectsWith(b.zim.queryRoomOnlineMemberCount('ok'), ZIMErrorCode.RoomModuleUserIsNotInTheRoom)
    assert.deepEqual((await b.zim.leaveAllRoom()).roomIDs, [])
  })

  it('queryRoomMemberList pages through the members; count < 1 resolves at once with nothing', async () => {
    const [a] = peers
    const extra = await startPeers(5, { userIDs: ['m1', 'm2', 'm3', 'm4', 'm5'], appID: a.appID, config: { bootstrap: [a.addr] }, topology: 'none' })
    try {
      for (const p of extra) await p.zim.joinRoom('params')
      await a.events.waitFor('a sees all five', () => a.events.joinedUsers('params').length === 5)
      const seen: string[] = []
      let nextFlag = ''
      let pages = 0
      do {
        const page = await a.zim.queryRoomMemberList('params', { nextFlag, count: 2 })
        assert.equal(page.roomID, 'params')
        assert.ok(page.memberList.length <= 2)
        seen.push(...page.memberList.map(m => m.userID))
        nextFlag = page.nextFlag
        pages++
      } while (nextFlag !== '' && pages < 10)
      assert.deepEqual(seen, ['m1', 'm2', 'm3', 'm4', 'm5', 'u0'])
      assert.equal(pages, 3)
      assert.deepEqual(await a.zim.queryRoomMemberList('params', { nextFlag: '', count: 0 }), { roomID: 'params', memberList: [], nextFlag: '' })
      assert.deepEqual(await a.zim.queryRoomOnlineMemberCount('params'), { roomID: 'params', count: 6 })
      const named = (await a.zim.queryRoomMemberList('params', { nextFlag: '', count: 100 })).memberList.find(m => m.userID === 'm3')
      assert.equal(named?.userName, 'name-m3')
    } finally {
      await stopPeers(extra)
    }
  })
})
