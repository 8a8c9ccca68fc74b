import assert from 'node:assert/strict'
import { describe, it, before, after } from 'node:test'
import { ZIMErrorCode, ZIMRoomEvent, ZIMRoomState } from '../src/index.js'
import { startPeers, stopPeers, waitUntil } from './helpers.js'
import type { Peer } from './helpers.js'

async function inRoom (p: Peer, roomID: string): Promise<boolean> {
  try {
    await p.zim.queryRoomOnlineMemberCount(roomID)
    return true
  } catch {
    return false
  }
}

describe('two peers racing createRoom on one roomID', () => {
  let peers: Peer[] = []
  before(async () => { peers = await startPeers(4) })
  after(async () => { await stopPeers(peers) })

  for (let round = 0; round < 4; round++) {
    it(`end with exactly one winner at every node (round ${round})`, async () => {
      const roomID = `race-${round}`
      const [, a, b, late] = peers
      const outcomes = await Promise.allSettled([
        a.zim.createRoom({ roomID, roomName: `by ${a.userID}` }),
        b.zim.createRoom({ roomID, roomName: `by ${b.userID}` })
      ])
      for (const o of outcomes) {
        if (o.status === 'rejected') assert.equal((o.reason as { code: number }).code, ZIMErrorCode.RoomModuleTheRoomAlreadyExists)
      }
      assert.ok(outcomes.some(o => o.status === 'fulfilled'), 'somebody created the room')
      // a loser that resolved is told with roomStateChanged and leaves
      const lostAfterResolving = (p: Peer): boolean => p.events.roomStates.some(s => s.roomID === roomID && s.state === ZIMRoomState.Disconnected && s.event === ZIMRoomEvent.CreateFailed)
      await waitUntil('exactly one creator is in the room', () => {
        const winners = [a, b].filter((p, i) => outcomes[i].status === 'fulfilled' && !lostAfterResolving(p))
        return winners.length === 1
      }, 8000)
      const winnerIndex = [a, b].findIndex((p, i) => outcomes[i].status === 'fulfilled' && !lostAfterResolving(p))
      const winner = [a, b][winnerIndex]
      const loser = [a, b][1 - winnerIndex]
      assert.equal(await inRoom(winner, roomID), true)
      assert.equal(await inRoom(loser, roomID), false)
      const joined = await late.zim.joinRoom(roomID)
      assert.equal(joined.roomInfo.baseInfo.roomName, `by ${winner.userID}`, 'a later joiner finds the winner\'s room')
      const { memberList } = await late.zim.queryRoomMemberList(roomID, { nextFlag: '', count: 10 })
      assert.deepEqual(memberList.map(m => m.userID).sort(), [late.userID, winner.userID].sort())
      // the loser can now join the winner's room: one room, not two
      const loserJoin = await loser.zim.joinRoom(roomID)
      assert.equal(loserJoin.roomInfo.baseInfo.roomName, `by ${winner.userID}`)
      await winner.events.waitFor('winner sees the loser join', () => winner.events.joinedUsers(roomID).includes(loser.userID))
      for (const p of [winner, loser, late]) await p.zim.leaveRoom(roomID)
    })
  }
})
