import assert from 'node:assert/strict'
import { describe, it, after } from 'node:test'
import { startPeers, stopPeers, text } from './helpers.js'
import type { Peer } from './helpers.js'

describe('smoke', () => {
  let peers: Peer[] = []
  after(async () => { await stopPeers(peers) })

  it('two peers create, join and chat', async () => {
    peers = await startPeers(3)
    const [a, b, c] = peers
    const t0 = Date.now()
    const created = await a.zim.createRoom({ roomID: 'r1', roomName: 'Room One' })
    console.log('create ms', Date.now() - t0)
    assert.equal(created.roomInfo.baseInfo.roomName, 'Room One')
    const t1 = Date.now()
    const joined = await b.zim.joinRoom('r1')
    console.log('join ms', Date.now() - t1)
    assert.equal(joined.roomInfo.baseInfo.roomName, 'Room One')
    await c.zim.joinRoom('r1')
    await a.events.waitFor('a sees b and c', () => a.events.joinedUsers('r1').includes('u1') && a.events.joinedUsers('r1').includes('u2'))
    await b.zim.sendMessage(text('hello'), 'r1', 1, { priority: 1 })
    await a.events.waitFor('a gets hello', () => a.events.textsFrom('u1').includes('hello'))
    await c.events.waitFor('c gets hello', () => c.events.textsFrom('u1').includes('hello'))
    const list = await c.zim.queryRoomMemberList('r1', { nextFlag: '', count: 10 })
    assert.deepEqual(list.memberList.map(m => m.userID), ['u0', 'u1', 'u2'])
  })
})
