/**
 * `npm run soak`: the churn soak of test/churn.test.ts, long. Peers join,
 * leave, crash and send at random for --seconds (default 300), then every
 * delivery is accounted for. --seed replays a schedule; --nodes sets the
 * peer slots (default 20). Exits non-zero if anything was lost, duplicated
 * or delivered outside the room. --report FILE writes the whole report
 * (every missing delivery, not only the first 20) to FILE.
 */
import { writeFileSync } from 'node:fs'
import { runChurn } from '../test/churn.js'
import { freshAppID } from '../test/helpers.js'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} takes a number`)
  return value
}

const seed = arg('seed', Math.floor(Math.random() * 2 ** 31))
const seconds = arg('seconds', 300)
const nodes = arg('nodes', 20)
process.stderr.write(`soak: seed ${seed}, ${nodes} peer slots, ${seconds} s\n`)
const report = await runChurn({ seed, appID: freshAppID(), nodes, durationMs: seconds * 1000, tickMs: 100, flightMs: 2000, log: line => process.stderr.write(`  ${line}\n`) })
const reportAt = process.argv.indexOf('--report')
if (reportAt >= 0) writeFileSync(process.argv[reportAt + 1], JSON.stringify(report, null, 2) + '\n')
const failed = report.missing.length + report.duplicates.length + report.strays.length
process.stdout.write(JSON.stringify({ ...report, missing: report.missing.slice(0, 20), duplicates: report.duplicates.slice(0, 20), strays: report.strays.slice(0, 20) }, null, 2) + '\n')
process.stdout.write(`${failed === 0 ? 'PASS' : 'FAIL'}: ${report.sent} messages, ${report.expected} required deliveries, ${report.delivered} deliveries, ` +
  `${report.missing.length} missing, ${report.duplicates.length} duplicated, ${report.strays.length} outside the room; actions ${JSON.stringify(report.actions)}\n`)
process.exitCode = failed === 0 ? 0 : 1
