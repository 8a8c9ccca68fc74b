/**
 * switchRoom (leave one room and enter another as one call, with ZIM's
 * ActiveSwitch and SwitchFailed states) and queryRoomMembers on real nodes.
 */
import assert from 'node:assert/strict'
import { describe, it, before, after } from 'node:test'
import { ZIMErrorCode, ZIMRoomEvent, ZIMRoomState } from '../src/index.js'
import { rejectsWith, startPeers, stopPeers } from './helpers.js'
import type { Peer } from './helpers.js'

function states (peer: Peer, roomID: string): Array<[ZIMRoomState, ZIMRoomEvent]> {
  return peer.events.roomStates.filter(s => s.roomID === roomID).map(s => [s.state, s.event])
}

describe('switchRoom and queryRoomMembers', () => {
  let peers: Peer[] = []
  before(async () => {
    peers = await startPeers(3)
    await peers[0].zim.createRoom({ roomID: 'from', roomName: 'From' })
    await peers[1].zim.createRoom({ roomID: 'to', roomName: 'To' })
    await peers[2].zim.joinRoom('from')
  })
  after(async () => { await stopPeers(peers) })

  it('switches to an existing room: the old room reports ActiveSwitch and sees us leave, the new one sees us join', async () => {
    const [a, b, c] = peers
    const result = await c.zim.switchRoom('from', { roomID: 'to', roomName: 'ignored' }, false)
    assert.deepEqual(result, { roomInfo: { baseInfo: { roomID: 'to', roomName: 'To' } } })
    assert.deepEqual(states(c, 'from').at(-1), [ZIMRoomState.Disconnected, ZIMRoomEvent.ActiveSwitch])
    assert.deepEqual(states(c, 'to'), [[ZIMRoomState.Connecting, ZIMRoomEvent.ActiveSwitch], [ZIMRoomState.Connected, ZIMRoomEvent.Success]])
    await a.events.waitFor('a sees c leave', () => a.events.leftUsers('from').includes('u2'))
    await b.events.waitFor('b sees c join', () => b.events.joinedUsers('to').includes('u2'))
    await rejectsWith(c.zim.queryRoomOnlineMemberCount('from'), ZIMErrorCode.RoomModuleUserIsNotInTheRoom)
  })

  it('switching to a missing room without create fails 6000322 with SwitchFailed; with create it makes the room', async () => {
    const [, , c] = peers
    await rejectsWith(c.zim.switchRoom('to', { roomID: 'missing', roomName: '' }, false), ZIMErrorCode.RoomModuleTheRoomDoesNotExist)
    assert.deepEqual(states(c, 'missing').at(-1), [ZIMRoomState.Disconnected, ZIMRoomEvent.SwitchFailed])
    // as in ZIM, the room switched from was left
    await rejectsWith(c.zim.queryRoomOnlineMemberCount('to'), ZIMErrorCode.RoomModuleUserIsNotInTheRoom)
    await c.zim.joinRoom('to')
    const made = await c.zim.switchRoom('to', { roomID: 'made', roomName: 'Made' }, true, { roomAttributes: { by: 'switch' } })
    assert.deepEqual(made.roomInfo.baseInfo, { roomID: 'made', roomName: 'Made' })
    assert.deepEqual((await c.zim.queryRoomAllAttributes('made')).roomAttributes, { by: 'switch' })
    await c.zim.switchRoom('made', { roomID: 'from', roomName: '' }, false)
  })

  it('bad switches are refused before anything is left', async () => {
    const [a, , c] = peers
    await rejectsWith(c.zim.switchRoom('nowhere', { roomID: 'to', roomName: '' }, false), ZIMErrorCode.RoomModuleUserIsNotInTheRoom)
    await rejectsWith(c.zim.switchRoom('from', { roomID: 'from', roomName: '' }, false), ZIMErrorCode.CommonModuleParamsInvalid)
    await rejectsWith(c.zim.switchRoom('from', { roomID: 'to', roomName: '' }, 'yes' as unknown as boolean), ZIMErrorCode.CommonModuleParamsInvalid)
    await rejectsWith(c.zim.switchRoom('from', null as unknown as { roomID: string, roomName: string }, false), ZIMErrorCode.CommonModuleParamsInvalid)
    await a.zim.joinRoom('to')
    await rejectsWith(a.zim.switchRoom('from', { roomID: 'to', roomName: '' }, false), ZIMErrorCode.RoomModuleUserIsAlreadyInTheRoom)
    assert.deepEqual(await c.zim.queryRoomOnlineMemberCount('from'), { roomID: 'from', count: 2 }, 'c is still in the room it did not leave')
    await a.zim.leaveRoom('to')
  })

  it('queryRoomMembers names the users in the room and lists the others in errorUserList', async () => {
    const [a] = peers
    const result = await a.zim.queryRoomMembers(['u0', 'u2', 'u1', 'ghost'], 'from')
    assert.deepEqual(result, {
      roomID: 'from',
      memberList: [{ userID: 'u0', userName: 'name-u0' }, { userID: 'u2', userName: 'name-u2' }],
      errorUserList: [{ userID: 'u1', reason: ZIMErrorCode.RoomModuleUserIsNotInTheRoom }, { userID: 'ghost', reason: ZIMErrorCode.RoomModuleUserIsNotInTheRoom }]
    })
    await rejectsWith(a.zim.queryRoomMembers(Array.from({ length: 11 }, (_, i) => `u${i}`), 'from'), ZIMErrorCode.CommonModuleParamsInvalid)
    await rejectsWith(a.zim.queryRoomMembers([], 'from'), ZIMErrorCode.CommonModuleParamsInvalid)
    await rejectsWith(a.zim.queryRoomMembers(['u0'], 'to'), ZIMErrorCode.RoomModuleUserIsNotInTheRoom)
  })
})
