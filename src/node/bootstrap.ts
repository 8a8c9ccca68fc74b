/**
 * Dialling the configured bootstrap peers with exponential backoff. Many
 * peers on one host dial one bootstrap node at once; a refused or reset
 * dial is retried rather than given up, until the peer is reached or the
 * owner stops.
 */
import { logger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from '@libp2p/interface'

const log = logger('roomsub:bootstrap')

const FIRST_RETRY_MS = 50
const MAX_RETRY_MS = 5000

export class BootstrapDialer {
  private readonly node: Libp2p
  private readonly addrs: string[]
  private readonly signal: AbortSignal

  constructor (node: Libp2p, addrs: string[], signal: AbortSignal) {
    this.node = node
    this.addrs = addrs
    this.signal = signal
  }

  /** Resolves true once any bootstrap peer is connected, false at the deadline; dialling goes on after it. */
  async start (deadline: number): Promise<boolean> {
    if (this.addrs.length === 0) return true
    const dials = this.addrs.map(async addr => this.dialUntilConnected(addr))
    const anyConnected = Promise.any(dials).then(() => true, () => false)
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<boolean>(resolve => { timer = setTimeout(() => { resolve(false) }, deadline) })
    try {
      return await Promise.race([anyConnected, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  private async dialUntilConnected (addr: string): Promise<void> {
    const target = multiaddr(addr)
    let wait = FIRST_RETRY_MS
    while (!this.signal.aborted) {
      try {
        await this.node.dial(target, { signal: AbortSignal.any([this.signal, AbortSignal.timeout(MAX_RETRY_MS)]) })
        log('connected to bootstrap %s', addr)
        return
      } catch (err) {
        if (this.signal.aborted) break
        log('bootstrap %s not reached, retrying in %d ms: %e', addr, wait, err)
        await sleep(wait * (0.5 + Math.random()), this.signal)
        wait = Math.min(wait * 2, MAX_RETRY_MS)
      }
    }
    throw new Error('stopped')
  }
}

async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>(resolve => {
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done)
  })
}

/**
 * After the first bootstrap connection, identify has to run before the DHT
 * adds the peer to its routing table and gossipsub opens its stream; a room
 * lookup before that finds nothing. Waits (bounded) until both have a peer.
 */
export async function waitUntilRoutable (node: Libp2p<{ pubsub: { getPeers(): unknown[] }, dht: object }>, timeout: number, signal: AbortSignal): Promise<boolean> {
  const routingTable = (node.services.dht as { routingTable?: { size: number } }).routingTable
  const ready = (): boolean => (routingTable == null || routingTable.size > 0) && node.services.pubsub.getPeers().length > 0
  const deadline = Date.now() + timeout
  while (!ready()) {
    if (signal.aborted || Date.now() > deadline) return false
    await sleep(10, signal)
  }
  return true
}
