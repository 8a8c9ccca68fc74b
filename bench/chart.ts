/**
 * A small hand-written SVG: message latency p50 (solid) and p99 (dashed)
 * against room size, one colour per system. No chart library needed.
 */
import type { SystemName } from './systems.js'

interface Point { system: SystemName, nodes: number, p50: number, p99: number }

const COLORS: Record<SystemName, string> = { roomsub: '#1f77b4', gossipsub: '#ff7f0e', 'socket.io': '#2ca02c', streams: '#7f7f7f' }

export function latencyChart (points: Point[], systems: SystemName[]): string {
  const width = 640
  const height = 400
  const left = 60
  const right = 150
  const top = 40
  const bottom = 50
  const sizes = [...new Set(points.map(p => p.nodes))].sort((a, b) => a - b)
  const finite = points.flatMap(p => [p.p50, p.p99]).filter(Number.isFinite)
  const maxY = Math.max(1, ...finite) * 1.1
  const x = (nodes: number): number => sizes.length < 2 ? left : left + (sizes.indexOf(nodes) / (sizes.length - 1)) * (width - left - right)
  const y = (ms: number): number => top + (1 - ms / maxY) * (height - top - bottom)
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`)
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`)
  out.push(`<text x="${left}" y="22" font-size="14">Message latency by room size (p50 solid, p99 dashed)</text>`)
  out.push(`<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="black"/>`)
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="black"/>`)
  for (let i = 0; i <= 5; i++) {
    const ms = (maxY / 5) * i
    out.push(`<line x1="${left - 4}" y1="${y(ms)}" x2="${width - right}" y2="${y(ms)}" stroke="#ddd"/>`)
    out.push(`<text x="${left - 8}" y="${y(ms) + 4}" text-anchor="end">${ms.toFixed(1)}</text>`)
  }
  for (const n of sizes) out.push(`<text x="${x(n)}" y="${height - bottom + 18}" text-anchor="middle">${n}</text>`)
  out.push(`<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle">members in the room</text>`)
  out.push(`<text x="16" y="${(top + height - bottom) / 2}" transform="rotate(-90 16 ${(top + height - bottom) / 2})" text-anchor="middle">ms</text>`)
  systems.forEach((system, i) => {
    const mine = points.filter(p => p.system === system).sort((a, b) => a.nodes - b.nodes)
    for (const [key, dash] of [['p50', ''], ['p99', ' stroke-dasharray="6 4"']] as const) {
      const path = mine.filter(p => Number.isFinite(p[key])).map(p => `${x(p.nodes).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ')
      if (path !== '') out.push(`<polyline points="${path}" fill="none" stroke="${COLORS[system]}" stroke-width="2"${dash}/>`)
    }
    out.push(`<rect x="${width - right + 16}" y="${top + i * 22}" width="14" height="4" fill="${COLORS[system]}"/>`)
    out.push(`<text x="${width - right + 36}" y="${top + i * 22 + 6}">${system}</text>`)
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}
