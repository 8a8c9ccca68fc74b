/**
 * ZIM's own sample code (the older forms the seed documents: login with a
 * user object and token, sendRoomMessage, receiveRoomMessage), run as
 * written against roomsub. The only addition is P2P's: the second user is
 * told a bootstrap peer, since there is no server to find the first one.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ZIM } from '../src/index.js'
import { freshAppID, waitUntil } from './helpers.js'
import type { ZIMMessage } from '../src/index.js'

describe('ZIM sample code', () => {
  it('runs as written', async () => {
    const appID = freshAppID()
    const log: string[] = []

    // --- user A, as in ZIM's quick start
    const zim = ZIM.create({ appID })
    zim.on('error', function (_zim, errorInfo) { log.push(`error ${errorInfo.code} ${errorInfo.message}`) })
    zim.on('connectionStateChanged', function (_zim, { state, event }) { log.push(`A connection ${state} ${event}`) })
    zim.on('receiveRoomMessage', function (_zim, { messageList, fromConversationID }) {
      for (const m of messageList) log.push(`A got "${(m as ZIMMessage & { message: string }).message}" in ${fromConversationID}`)
    })
    zim.on('roomMemberJoined', function (_zim, { roomID, memberList }) { log.push(`A saw ${memberList.map(u => u.userID).join()} join ${roomID}`) })
    zim.on('roomMemberLeft', function (_zim, { roomID, memberList }) { log.push(`A saw ${memberList.map(u => u.userID).join()} leave ${roomID}`) })

    const userInfo = { userID: 'userA', userName: 'User A' }
    const token = ''
    await zim.login(userInfo, token).then(function () { log.push('A logged in') }).catch(function (err) { log.push(`A login failed ${String(err.code)}`) })

    const roomInfo = { roomID: 'room1', roomName: 'Room 1' }
    await zim.createRoom(roomInfo).then(function ({ roomInfo }) { log.push(`A created ${roomInfo.baseInfo.roomID} ${roomInfo.baseInfo.roomName}`) })

    // --- user B: the same calls, plus a bootstrap peer (P2P has no server to find A)
    const addr = zim.libp2p?.getMultiaddrs().find(a => a.toString().includes('127.0.0.1'))?.toString() ?? ''
    const zimB = ZIM.create({ appID, bootstrap: [addr] })
    zimB.on('receiveRoomMessage', function (_zim, { messageList }) {
      for (const m of messageList) log.push(`B got "${(m as ZIMMessage & { message: string }).message}" from ${m.senderUserID}`)
    })
    await zimB.login({ userID: 'userB', userName: 'User B' }, '')
    await zimB.joinRoom('room1').then(function ({ roomInfo }) { log.push(`B joined ${roomInfo.baseInfo.roomName}`) })

    const messageTextObj = { type: 1, message: 'text message' }
    const config = { priority: 1 }
    await zimB.sendRoomMessage(messageTextObj, 'room1', config).then(function ({ message }) { log.push(`B sent ${message.messageID != null ? 'with an id' : 'without id'}`) })
    await zim.sendRoomMessage({ type: 1, message: 'hi B' }, 'room1', config)

    await waitUntil('both messages arrive', () => log.some(l => l.startsWith('A got')) && log.some(l => l.startsWith('B got')))
    await zimB.leaveRoom('room1').then(function ({ roomID }) { log.push(`B left ${roomID}`) })
    await waitUntil('A sees B leave', () => log.includes('A saw userB leave room1'))

    zimB.logout()
    zim.logout()
    await zimB.destroy()
    await zim.destroy()

    const expected = [
      'A connection 1 1',
      'A connection 2 0',
      'A logged in',
      'A created room1 Room 1',
      'A saw userB join room1',
      'B joined Room 1',
      'B sent with an id',
      'A got "text message" in room1',
      'B got "hi B" from userA',
      'B left room1',
      'A saw userB leave room1',
      'A connection 0 0'
    ]
    assert.deepEqual([...log].sort(), [...expected].sort(), 'every step happened once, nothing failed')
    const at = (line: string): number => log.indexOf(line)
    assert.ok(at('A logged in') < at('A created room1 Room 1'))
    assert.ok(at('A saw userB join room1') < at('B joined Room 1'), 'B\'s join resolves after A knows B')
    assert.ok(at('B left room1') < at('A saw userB leave room1'))
    assert.equal(log.at(-1), 'A connection 0 0')
  })
})
