/**
 * The benchmark harness runs end to end (`--quick`) and produces sane
 * numbers: this checks the harness, not speed (figures are noisy here).
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'

interface Summary { count: number, p50: number, p99: number }
interface Departures extends Summary { trials: number, eachMember: Summary }

describe('benchmark harness', () => {
  it('runs --quick and writes a table (printed and in latest.txt), latest.json and an SVG chart with sane figures', async (t) => {
    const out = mkdtempSync(join(tmpdir(), 'roomsub-bench-'))
    try {
      const script = fileURLToPath(new URL('../bench/run.js', import.meta.url))
      const child = spawn(process.execPath, ['--expose-gc', script, '--quick', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'], signal: t.signal })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
      child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
      child.on('error', () => {})
      const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
      assert.equal(code, 0, stderr)
      assert.match(stdout, /latency p50 ms/)
      assert.match(stdout, /vs gossipsub/)

      const r = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8'))
      for (const system of ['roomsub', 'gossipsub', 'socket.io']) {
        const low = r.lowRate[system]
        assert.equal(low.delivered, low.expected, `${system} delivered every message at low rate`)
        assert.equal(low.duplicates, 0, `${system} delivered nothing twice`)
        assert.ok(low.latency.p50 > 0 && low.latency.p50 < 1000, `${system} p50 ${low.latency.p50} ms`)
        assert.ok(low.latency.p99 >= low.latency.p50)
        assert.ok(low.cpuPerMessage > 0)
        assert.ok(r.throughput[system].sustainedRate > 0, `${system} sustained some rate`)
        assert.ok(r.scaling.some((s: { system: string }) => s.system === system))
        const apart = r.processes[system]
        assert.equal(apart.error, undefined, `${system} ran with one member per process`)
        assert.equal(apart.delivered, apart.expected, `${system} delivered every message with one member per process`)
        assert.ok(apart.expected > 0 && apart.latency.p50 > 0 && apart.latency.p99 >= apart.latency.p50, `${system} p50 ${apart.latency.p50} ms across processes`)
        assert.ok(apart.cpuPerMessage > 0)
      }
      assert.match(stdout, /one member per process/)
      assert.equal(readFileSync(join(out, 'latest.txt'), 'utf8'), stdout, 'latest.txt holds the table printed')
      for (const floor of [r.floor.lowRate, r.floor.underLoad]) {
        assert.equal(floor.delivered, floor.expected, 'the floor (plain streams) delivered every message')
        assert.ok(floor.latency.p50 > 0 && floor.latency.p99 >= floor.latency.p50, `floor p50 ${floor.latency.p50} ms`)
      }
      assert.match(stdout, /floor: plain libp2p streams/)
      const positive = (s: Summary, what: string): void => { assert.ok(s.count > 0 && s.p50 > 0 && Number.isFinite(s.p99), `${what}: ${JSON.stringify(s)}`) }
      positive(r.join.roomsub.joinRoom, 'joinRoom')
      positive(r.join.roomsub.seenByAll, 'join seen by all')
      positive(r.join.roomsubRejoin.joinRoom, 'rejoin')
      positive(r.join.roomsubRejoin.seenByAll, 'rejoin seen by all')
      positive(r.join.socketio.join, 'socket.io join')
      positive(r.createRoom, 'createRoom')
      const departures: Array<[string, Departures]> = [['stopped member', r.departure.roomsubStopped], ['silent member', r.departure.roomsubSilent], ['closed socket.io client', r.departure.socketioClosed]]
      for (const [what, d] of departures) {
        positive(d, `${what}, seen by all`)
        positive(d.eachMember, `${what}, each member`)
        assert.equal(d.count, d.trials, `${what}: one time until all reported per departure`)
        // every member but the one gone reports each departure once
        assert.equal(d.eachMember.count, d.trials * (r.options.nodes - 1), `${what}: a report from each member`)
        assert.ok(d.eachMember.p50 <= d.p99, `${what}: no member's report after the last one`)
      }
      assert.ok(r.departure.roomsubStopped.trials >= 2 && r.departure.roomsubSilent.trials >= 1)
      assert.ok(r.departure.roomsubSilent.p50 > r.departure.roomsubStopped.p50, 'silence takes the heartbeat bound, a closed connection does not')
      assert.ok(r.memory.length >= 3 && r.memory.every((m: { heapPerNode: number }) => Number.isFinite(m.heapPerNode)))
      assert.ok(r.roomsMemory.rooms > 0 && Number.isFinite(r.roomsMemory.heapPerRoom))
      for (const room of ['plain', 'withState']) {
        const fc = r.featureCost[room]
        assert.ok(fc.p50 > 0 && fc.p99 >= fc.p50 && fc.cpuPerMessage > 0, `feature cost (${room}): ${JSON.stringify(fc)}`)
      }
      assert.match(stdout, /attributes \+ history vs plain room/)
      assert.match(readFileSync(join(out, 'latency.svg'), 'utf8'), /^<svg[\s\S]*polyline[\s\S]*<\/svg>\n$/)
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })
})
