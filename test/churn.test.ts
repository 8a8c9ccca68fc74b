import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { runChurn } from './churn.js'
import { freshAppID } from './helpers.js'

describe('churn', () => {
  it('12 peers joining, leaving, crashing and sending at random: every message reaches every member present for its whole flight exactly once, and nobody else', async () => {
    // a new seed each run explores new schedules; a failure names its seed (CHURN_SEED replays it)
    const seed = Number(process.env.CHURN_SEED ?? Math.floor(Math.random() * 2 ** 31))
    const report = await runChurn({ seed, appID: freshAppID(), nodes: 12, durationMs: 10_000, tickMs: 100, flightMs: 2000 })
    const summary = JSON.stringify({ ...report, missing: report.missing.slice(0, 10), duplicates: report.duplicates.slice(0, 10), strays: report.strays.slice(0, 10) })
    assert.ok(report.sent >= 15 && report.expected >= 20, `enough traffic to mean something: ${summary}`)
    assert.ok((report.actions.crash ?? 0) + (report.actions.leave ?? 0) >= 2, `some churn happened: ${summary}`)
    assert.deepEqual(report.duplicates, [], `no message twice (seed ${seed}): ${summary}`)
    assert.deepEqual(report.strays, [], `nothing outside the room (seed ${seed}): ${summary}`)
    assert.deepEqual(report.missing, [], `nothing lost (seed ${seed}): ${summary}`)
  })
})
