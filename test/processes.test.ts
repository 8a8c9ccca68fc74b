/**
 * Peers in separate processes, talking over TCP on 127.0.0.1: a crash is a
 * real SIGKILL (the kernel resets the connections), a restart is a new
 * process with the same userID and a new key.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FAST, freshAppID, spawnPeer } from './helpers.js'
import type { ChildPeer } from './helpers.js'

const BOUND = FAST.memberTimeout! + FAST.heartbeatInterval! * 4

describe('peers in separate processes', () => {
  it('a peer killed with SIGKILL is reported left within the heartbeat bound, the others keep chatting, and restarted it rejoins cleanly', async () => {
    const appID = freshAppID()
    const children: ChildPeer[] = []
    try {
      children.push(await spawnPeer({ appID, ...FAST }, 'p0', 'multi'))
      for (let i = 1; i < 4; i++) children.push(await spawnPeer({ appID, ...FAST, bootstrap: [children[0].addr] }, `p${i}`, 'multi'))
      for (const c of children) {
        await c.waitFor('sees everyone', () => children.every(o => o === c || c.joined.includes(o.userID)))
      }
      const [p0, p1, victim, p3] = children
      const survivors = [p0, p1, p3]
      const killedAt = Date.now()
      victim.kill('SIGKILL')
      for (const c of survivors) await c.waitFor('sees p2 gone', () => c.left.includes('p2'), BOUND * 3)
      const took = Date.now() - killedAt
      assert.ok(took <= BOUND, `every survivor reported p2 left within ${took} ms (bound ${BOUND} ms)`)
      for (const c of survivors) assert.deepEqual(c.left, ['p2'], `${c.userID} reported nobody else left, and p2 once`)

      p1.send('still chatting')
      for (const c of [p0, p3]) await c.waitFor('hears p1', () => c.messages.some(m => m.from === 'p1' && m.text === 'still chatting'))

      const reborn = await spawnPeer({ appID, ...FAST, bootstrap: [p0.addr] }, 'p2', 'multi')
      children[2] = reborn
      for (const c of survivors) await c.waitFor('sees p2 back', () => c.joined.filter(u => u === 'p2').length === 2)
      await reborn.waitFor('sees the others', () => survivors.every(o => reborn.joined.includes(o.userID)))
      reborn.send('back again')
      for (const c of survivors) await c.waitFor('hears the restarted p2', () => c.messages.some(m => m.from === 'p2' && m.text === 'back again'))
      p3.send('welcome back')
      await reborn.waitFor('hears p3', () => reborn.messages.some(m => m.from === 'p3' && m.text === 'welcome back'))
      for (const c of survivors) assert.equal(c.left.filter(u => u === 'p2').length, 1, `${c.userID} reported the crash once`)
    } finally {
      for (const c of children) c.kill('SIGKILL')
    }
  })

  it('a peer paused past the member timeout is reported left, then back when it resumes; it reports nobody left, and what it sends at once reaches everyone', async () => {
    const appID = freshAppID()
    const children: ChildPeer[] = []
    try {
      children.push(await spawnPeer({ appID, ...FAST }, 'q0', 'pause'))
      for (let i = 1; i < 3; i++) children.push(await spawnPeer({ appID, ...FAST, bootstrap: [children[0].addr] }, `q${i}`, 'pause'))
      for (const c of children) {
        await c.waitFor('sees everyone', () => children.every(o => o === c || c.joined.includes(o.userID)))
      }
      const [q0, q1, sleeper] = children
      sleeper.kill('SIGSTOP')
      for (const c of [q0, q1]) await c.waitFor('sees q2 gone', () => c.left.includes('q2'), BOUND * 3)
      sleeper.kill('SIGCONT')
      // its own timers fire late on waking, before it reads what queued up: that stall is not the others' silence
      sleeper.send('awake again')
      for (const c of [q0, q1]) {
        await c.waitFor('hears q2 after its pause', () => c.messages.some(m => m.from === 'q2' && m.text === 'awake again'))
        await c.waitFor('sees q2 back', () => c.joined.filter(u => u === 'q2').length === 2)
      }
      q0.send('good morning')
      await sleeper.waitFor('hears q0', () => sleeper.messages.some(m => m.from === 'q0' && m.text === 'good morning'))
      assert.deepEqual(sleeper.left, [], 'the paused peer reported nobody left')
    } finally {
      for (const c of children) c.kill('SIGKILL')
    }
  })
})
