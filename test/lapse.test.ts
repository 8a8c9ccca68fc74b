import assert from 'node:assert/strict'
import { describe, it, before, after } from 'node:test'
import { ZIMErrorCode } from '../src/index.js'
import { resolveConfig } from '../src/zim/config.js'
import { FAST, rejectsWith, startPeers, stopPeers, waitUntil } from './helpers.js'
import type { Peer } from './helpers.js'

/** How long a record outlives its last refresh with the FAST timings. */
const RECORD_TTL = resolveConfig({ appID: 1, ...FAST }).recordTTL

async function elapse (ms: number, since: number): Promise<void> {
  await waitUntil(`${ms} ms since the event`, () => Date.now() - since > ms, ms + 5000)
}

describe('rooms lapse when empty', () => {
  let peers: Peer[] = []
  before(async () => { peers = await startPeers(3) })
  after(async () => { await stopPeers(peers) })

  it('with roomDestroyDelayTime 0 the room is gone as soon as the last member leaves, and the ID is free again', async () => {
    const [a, b] = peers
    await a.zim.createRoom({ roomID: 'brief', roomName: 'Old' })
    await a.zim.leaveRoom('brief')
    await rejectsWith(b.zim.joinRoom('brief'), ZIMErrorCode.RoomModuleTheRoomDoesNotExist)
    const fresh = await b.zim.createRoom({ roomID: 'brief', roomName: 'New' })
    assert.equal(fresh.roomInfo.baseInfo.roomName, 'New')
    await a.zim.joinRoom('brief').then(r => assert.equal(r.roomInfo.baseInfo.roomName, 'New'))
  })

  it('with a delay the empty room can be joined during it and not after it', async () => {
    const [a, b, c] = peers
    await a.zim.createRoom({ roomID: 'lingering', roomName: 'Lingers' }, { roomDestroyDelayTime: 2 })
    await a.zim.leaveRoom('lingering')
    const during = await b.zim.joinRoom('lingering')
    assert.equal(during.roomInfo.baseInfo.roomName, 'Lingers', 'joined during the delay, with the room\'s own info')
    await b.zim.leaveRoom('lingering')
    const emptyAgain = Date.now()
    await elapse(2000, emptyAgain)
    await rejectsWith(c.zim.joinRoom('lingering'), ZIMErrorCode.RoomModuleTheRoomDoesNotExist)
    await c.zim.createRoom({ roomID: 'lingering', roomName: 'Reborn' })
  })

  it('when the last member vanishes without leaving, the room lapses after the record expires', async () => {
    const extra = await startPeers(2)
    try {
      const [host, watcher] = extra
      await host.zim.createRoom({ roomID: 'orphan', roomName: '' })
      await watcher.zim.joinRoom('orphan')
      await watcher.zim.leaveRoom('orphan')
      await watcher.events.waitFor('watcher is out', () => watcher.events.roomStates.at(-1)?.state === 0)
      const vanished = Date.now()
      await host.node.stop()
      await elapse(RECORD_TTL + FAST.heartbeatInterval! * 2, vanished)
      await rejectsWith(watcher.zim.joinRoom('orphan'), ZIMErrorCode.RoomModuleTheRoomDoesNotExist)
      await watcher.zim.createRoom({ roomID: 'orphan', roomName: 'mine now' })
    } finally {
      await stopPeers(extra)
    }
  })
})
