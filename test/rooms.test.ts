import assert from 'node:assert/strict'
import { describe, it, before, after } from 'node:test'
import { ZIMErrorCode, ZIMRoomEvent, ZIMRoomState } from '../src/index.js'
import { FAST, freshAppID, rejectsWith, startLine, startPeer, startPeers, stopPeers, text, waitForRecordAt, waitUntil } from './helpers.js'
import type { Peer } from './helpers.js'

describe('creating, joining, entering and leaving rooms', () => {
  let peers: Peer[] = []
  before(async () => { peers = await startPeers(4) })
  after(async () => { await stopPeers(peers) })

  it('createRoom puts the creator in the room and reports the room states', async () => {
    const [a] = peers
    const result = await a.zim.createRoom({ roomID: 'lobby', roomName: 'The Lobby' })
    assert.deepEqual(result, { roomInfo: { baseInfo: { roomID: 'lobby', roomName: 'The Lobby' } } })
    const states = a.events.roomStates.filter(s => s.roomID === 'lobby').map(s => [s.state, s.event])
    assert.deepEqual(states, [[ZIMRoomState.Connecting, ZIMRoomEvent.ActiveCreate], [ZIMRoomState.Connected, ZIMRoomEvent.Success]])
    assert.deepEqual(await a.zim.queryRoomOnlineMemberCount('lobby'), { roomID: 'lobby', count: 1 })
  })

  it('createRoom of an existing room rejects 6000323, from a member-connected peer and from afar', async () => {
    const [, b] = peers
    await rejectsWith(b.zim.createRoom({ roomID: 'lobby', roomName: 'Another' }), ZIMErrorCode.RoomModuleTheRoomAlreadyExists)
    assert.deepEqual(b.events.roomStates.filter(s => s.roomID === 'lobby').map(s => s.state).at(-1), ZIMRoomState.Disconnected)
    await rejectsWith(b.zim.leaveRoom('lobby'), ZIMErrorCode.RoomModuleUserIsNotInTheRoom)
  })

  it('joinRoom of a missing room rejects 6000322 and leaves nothing behind', async () => {
    const [, b] = peers
    await rejectsWith(b.zim.joinRoom('nowhere'), ZIMErrorCode.RoomModuleTheRoomDoesNotExist)
    await rejectsWith(b.zim.queryRoomOnlineMemberCount('nowhere'), ZIMErrorCode.RoomModuleUserIsNotInTheRoom)
    // a failed join does not count against the room limit or block a later create
    await b.zim.createRoom({ roomID: 'nowhere', roomName: 'made after all' })
    await b.zim.leaveRoom('nowhere')
  })

  it('joinRoom with no peer left to ask rejects 6000104 (nobody said the room is missing); enterRoom still makes the room', async () => {
    const [gone, alone] = await startPeers(2)
    try {
      await gone.node.stop()
      await waitUntil('its only peer is gone', () => alone.node.getConnections().length === 0)
      await rejectsWith(alone.zim.joinRoom('unknowable'), ZIMErrorCode.NetworkModuleNetworkError)
      assert.equal(alone.events.roomStates.filter(s => s.roomID === 'unknowable').map(s => s.state).at(-1), ZIMRoomState.Disconnected)
      await alone.zim.enterRoom({ roomID: 'unknowable', roomName: 'made alone' })
      assert.deepEqual(await alone.zim.queryRoomOnlineMemberCount('unknowable'), { roomID: 'unknowable', count: 1 })
    } finally {
      await stopPeers([gone, alone])
    }
  })

  it('joinRoom returns the creator\'s room info; a second join rejects 6000320', async () => {
    const [, b] = peers
    const joined = await b.zim.joinRoom('lobby')
    assert.deepEqual(joined.roomInfo.baseInfo, { roomID: 'lobby', roomName: 'The Lobby' })
    await rejectsWith(b.zim.joinRoom('lobby'), ZIMErrorCode.RoomModuleUserIsAlreadyInTheRoom)
    await rejectsWith(b.zim.enterRoom({ roomID: 'lobby', roomName: 'x' }), ZIMErrorCode.RoomModuleUserIsAlreadyInTheRoom)
  })

  it('enterRoom creates a missing room and joins an existing one; only the first name counts', async () => {
    const [, , c, d] = peers
    const first = await c.zim.enterRoom({ roomID: 'party', roomName: 'First Name' }, { roomDestroyDelayTime: 0 })
    assert.equal(first.roomInfo.baseInfo.roomName, 'First Name')
    const second = await d.zim.enterRoom({ roomID: 'party', roomName: 'Second Name' })
    assert.equal(second.roomInfo.baseInfo.roomName, 'First Name')
    await c.events.waitFor('c sees d', () => c.events.joinedUsers('party').includes(d.userID))
  })

  it('a second create/join/enter of one room while the first is pending rejects 6000326', async () => {
    const [, , , d] = peers
    const pending = d.zim.joinRoom('lobby')
    await rejectsWith(d.zim.joinRoom('lobby'), ZIMErrorCode.RoomModuleTheRoomIsConnecting)
    await rejectsWith(d.zim.enterRoom({ roomID: 'lobby', roomName: '' }), ZIMErrorCode.RoomModuleTheRoomIsConnecting)
    await rejectsWith(d.zim.createRoom({ roomID: 'lobby', roomName: '' }), ZIMErrorCode.RoomModuleTheRoomIsConnecting)
    await pending
  })

  it('leaveRoom resolves { roomID }, reports Disconnected, and others see the leave', async () => {
    const [a, , , d] = peers
    await a.events.waitFor('a sees d in the lobby', () => a.events.joinedUsers('lobby').includes(d.userID))
    assert.deepEqual(await d.zim.leaveRoom('lobby'), { roomID: 'lobby' })
    assert.deepEqual(d.events.roomStates.filter(s => s.roomID === 'lobby').at(-1), { roomID: 'lobby', state: ZIMRoomState.Disconnected, event: ZIMRoomEvent.Success, extendedData: '' })
    await a.events.waitFor('a sees d leave', () => a.events.leftUsers('lobby').includes(d.userID))
    await rejectsWith(d.zim.leaveRoom('lobby'), ZIMErrorCode.RoomModuleUserIsNotInTheRoom)
    await rejectsWith(d.zim.sendMessage(text('gone'), 'lobby', 1, { priority: 1 }), ZIMErrorCode.RoomModuleUserIsNotInTheRoom)
  })

  it('leaveAllRoom leaves every room and resolves { roomIDs }', async () => {
    const [, , c] = peers
    await c.zim.createRoom({ roomID: 'side', roomName: '' })
    const { roomIDs } = await c.zim.leaveAllRoom()
    assert.deepEqual([...roomIDs].sort(), ['party', 'side'])
    await rejectsWith(c.zim.queryRoomOnlineMemberCount('party'), ZIMErrorCode.RoomModuleUserIsNotInTheRoom)
  })
})

describe('a room known only through the registry', () => {
  it('createRoom rejects 6000323 and joinRoom reaches its members, where no member is connected', async () => {
    // 0 - 1 - 2 in a line that no dial can shortcut: 2 never talks to 0 directly
    const peers = await startLine(3)
    try {
      const [creator, middle, far] = peers
      await creator.zim.createRoom({ roomID: 'far-away', roomName: 'Far' })
      await waitForRecordAt(far, far.appID, 'far-away')
      await rejectsWith(far.zim.createRoom({ roomID: 'far-away', roomName: 'Mine' }), ZIMErrorCode.RoomModuleTheRoomAlreadyExists)
      assert.equal(far.node.getConnections(creator.peerId).length, 0)
      assert.equal((await middle.zim.joinRoom('far-away')).roomInfo.baseInfo.roomName, 'Far')
    } finally {
      await stopPeers(peers)
    }
  })
})

describe('room limits', () => {
  it('more rooms than maxJoinedRooms rejects 6000325', async () => {
    const peer = await startPeer('limited', { appID: freshAppID(), ...FAST, maxJoinedRooms: 2 })
    try {
      await peer.zim.createRoom({ roomID: 'one', roomName: '' })
      await peer.zim.createRoom({ roomID: 'two', roomName: '' })
      await rejectsWith(peer.zim.createRoom({ roomID: 'three', roomName: '' }), ZIMErrorCode.RoomModuleTheNumberOfJoinedRoomsHasReachedLimit)
      await peer.zim.leaveRoom('one')
      await peer.zim.createRoom({ roomID: 'three', roomName: '' })
    } finally {
      await stopPeers([peer])
    }
  })

  it('ZIM\'s default limit is five rooms', async () => {
    const peer = await startPeer('five', { appID: freshAppID(), ...FAST })
    try {
      for (let i = 0; i < 5; i++) await peer.zim.createRoom({ roomID: `r${i}`, roomName: '' })
      await rejectsWith(peer.zim.createRoom({ roomID: 'r5', roomName: '' }), ZIMErrorCode.RoomModuleTheNumberOfJoinedRoomsHasReachedLimit)
    } finally {
      await stopPeers([peer])
    }
  })
})

describe('a peer alone in the network', () => {
  it('creates a room that peers connecting later find and join', async () => {
    const appID = freshAppID()
    const first = await startPeer('first', { appID, ...FAST })
    const later: Peer[] = []
    try {
      await first.zim.createRoom({ roomID: 'early', roomName: 'Made alone' })
      later.push(await startPeer('second', { appID, ...FAST, bootstrap: [first.addr] }))
      await waitForRecordAt(later[0], appID, 'early', { stored: true })
      later.push(await startPeer('third', { appID, ...FAST, bootstrap: [later[0].addr] }))
      const joined = await later[1].zim.joinRoom('early')
      assert.equal(joined.roomInfo.baseInfo.roomName, 'Made alone')
      await later[0].zim.joinRoom('early')
      await first.events.waitFor('first sees both', () => first.events.joinedUsers('early').length === 2)
      await later[1].zim.sendMessage(text('found you'), 'early', 1, { priority: 1 })
      await first.events.waitFor('first gets the message', () => first.events.textsFrom('third').includes('found you'))
    } finally {
      await stopPeers([first, ...later])
    }
  })
})
