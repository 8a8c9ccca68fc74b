import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { resolveConfig } from '../src/zim/config.js'
import { FAST } from './helpers.js'

describe('derived timings', () => {
  it('a room\'s record outlives the longest gap between two of its refreshes, whatever the timings', () => {
    const timings = [
      {},
      FAST,
      { heartbeatInterval: 1000 },
      { heartbeatInterval: 250, registryTimeout: 10_000 },
      { heartbeatInterval: 60_000, memberTimeout: 600_000 }
    ]
    for (const t of timings) {
      const c = resolveConfig({ appID: 1, ...t })
      // the designated member refreshes at its first heartbeat a refresh interval after the last; if it froze,
      // the next takes over after memberTimeout; a refresh is a lookup and a put, registryTimeout each
      const longestGap = c.recordRefreshInterval + c.heartbeatInterval + c.memberTimeout + 2 * c.registryTimeout
      assert.ok(c.recordTTL >= longestGap, `${JSON.stringify(t)}: recordTTL ${c.recordTTL} ms, a gap of up to ${longestGap} ms`)
      assert.ok(c.recordTTL >= 3 * c.recordRefreshInterval, `${JSON.stringify(t)}: two missed refreshes do not lapse the room`)
    }
    assert.equal(resolveConfig({ appID: 1 }).recordTTL, 60_000, 'the defaults keep 12 heartbeats')
  })
})
