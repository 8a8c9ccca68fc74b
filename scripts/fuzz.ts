/**
 * The long fuzz run (npm run fuzz): every target of test/fuzz-targets.ts,
 * the same arbitraries and checks as the CI test, for --runs N cases per
 * target (default 100,000) from --seed S (default random; printed, so a run
 * can be replayed). Prints per target the cases, the outcome distribution,
 * failures, wall time and cases per second; exits 1 on any failure with
 * fast-check's report (seed, path, shrunk counterexample).
 *
 *   npm run fuzz -- --runs 100000 --seed 42 [--target 'frame gate']
 */
import { parseArgs } from 'node:util'
import { FUZZ_TARGETS, Tally, buildWorld } from '../test/fuzz-targets.js'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100000' },
    seed: { type: 'string' },
    target: { type: 'string' }
  }
})
const runs = Number(values.runs)
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not ${values.runs}`)
const seed = values.seed != null ? Number(values.seed) : (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0
if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, not ${values.seed}`)
const targets = FUZZ_TARGETS.filter(t => values.target == null || t.name === values.target)
if (targets.length === 0) throw new Error(`no target ${values.target}; targets: ${FUZZ_TARGETS.map(t => t.name).join(', ')}`)

const world = await buildWorld()
console.log(`roomsub fuzz: ${runs} cases per target, seed ${seed}, node ${process.version}`)
console.log(`corpus: ${world.frames.length} signed frames, ${world.records.length} records, ${world.encodings.length} encodings\n`)

let failures = 0
let total = 0
const started = performance.now()
for (const target of targets) {
  const tally = new Tally()
  const t0 = performance.now()
  const result = await target.check(world, tally, { numRuns: runs, seed })
  const seconds = (performance.now() - t0) / 1000
  total += result.numRuns
  console.log(`== ${target.name}: ${target.covers}`)
  console.log(`   cases ${result.numRuns}, failures ${result.failed ? 1 : 0}, ${seconds.toFixed(1)} s, ${Math.round(result.numRuns / seconds)} cases/s`)
  const width = Math.max(...[...tally.counts.values()].map(n => String(n).length))
  for (const [outcome, n] of [...tally.counts.entries()].sort((a, b) => b[1] - a[1])) {
    console.log(`   ${String(n).padStart(width)}  ${outcome}`)
  }
  if (result.failed) {
    failures++
    console.log(`\n${result.report ?? 'failed without a report'}`)
  }
  console.log('')
}
console.log(`total: ${total} cases in ${((performance.now() - started) / 1000).toFixed(1)} s, ${failures} failing target(s), seed ${seed}`)
process.exitCode = failures > 0 ? 1 : 0
