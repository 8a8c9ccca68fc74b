/**
 * Penalties for peers that hand us frames no honest peer would forward
 * (forged, malformed, oversize, a flood from its own key). They feed
 * gossipsub's application-specific score (P5), so a penalised peer is pruned
 * from meshes, then graylisted (its RPCs ignored before any work is done on
 * them); past a higher mark roomsub closes its connections. Penalties decay,
 * so a peer that stops recovers; no timers, the decay is computed on read.
 */

/** Penalty points lose half their weight every this many ms. */
const HALF_LIFE_MS = 30_000
/** Peers tracked at most; past it the oldest entry is forgotten. */
const MAX_TRACKED = 4096

/**
 * gossipsub multiplies P5 by appSpecificWeight (10): any point takes a peer
 * out of meshes (score below 0), past 8 points it is graylisted (below -80).
 */
export const APP_SPECIFIC_WEIGHT = 10
/**
 * Points at which roomsub hangs up on the peer: the graylist threshold,
 * because past it the peer's frames are dropped unread and add no more points.
 */
export const DISCONNECT_POINTS = 8

interface Entry { points: number, at: number }

export class PeerPenalties {
  private readonly entries = new Map<string, Entry>()

  /** adds `points` to `peer`; returns its total after decay */
  add (peer: string, points: number, now = Date.now()): number {
    const total = this.points(peer, now) + points
    this.entries.delete(peer)
    this.entries.set(peer, { points: total, at: now })
    if (this.entries.size > MAX_TRACKED) {
      const oldest = this.entries.keys().next().value
      if (oldest != null) this.entries.delete(oldest)
    }
    return total
  }

  points (peer: string, now = Date.now()): number {
    const entry = this.entries.get(peer)
    if (entry == null) return 0
    const points = entry.points * Math.pow(0.5, (now - entry.at) / HALF_LIFE_MS)
    if (points < 0.01) {
      this.entries.delete(peer)
      return 0
    }
    return points
  }

  /** gossipsub's appSpecificScore: 0 for a clean peer, negative for a penalised one */
  readonly score = (peer: string): number => -this.points(peer)
}
