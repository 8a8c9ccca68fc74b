/**
 * One member of a benchmarked room in a process of its own, as users run
 * it: a roomsub peer, a gossipsub node, a socket.io client, or the hub's
 * server. Forked and driven by processes.ts over the IPC channel:
 *
 *   parent: { start: MemberStart }           child: { ready: { addr } }
 *   parent: { check }                        child: { inRoom }  (whether it sees the whole room yet)
 *   parent: { send: id }                     (the child sends message `id` at once)
 *   parent: { tally }                        child: { tally: n }  (messages received so far)
 *   parent: { report }                       child: { report: MemberReport }
 *   parent: { stop }                         (the child stops and exits)
 *
 * Send and receive times are process.hrtime (CLOCK_MONOTONIC, one clock for
 * every process on the machine) and stay in the child until the report, so
 * nothing but the member's own work runs between a message and its receipt.
 */
import { GossipsubSystem, RoomsubSystem, SocketIOSystem } from './systems.js'
import { padded } from './measure.js'
import type { SystemName } from './systems.js'

export interface MemberStart {
  system: SystemName | 'hub'
  index: number
  /** roomsub: the app; gossipsub: the topic */
  appID: number
  topic: string
  /** roomsub: one member to log in through; gossipsub: members to dial; socket.io: the hub's URL */
  peers: string[]
  /** members of the room in all */
  members: number
  size: number
}

export interface MemberReport {
  /** [message id, ms on the shared clock] */
  sent: Array<[number, number]>
  received: Array<[number, number]>
  duplicates: number
  failedSends: number
  /** user + system CPU since the start of the run, ms */
  cpuMs: number
}

export type ToMember = { start: MemberStart } | { check: true } | { send: number } | { tally: true } | { report: true } | { stop: true }
export type FromMember = { ready: { addr: string } } | { inRoom: boolean } | { tally: number } | { report: MemberReport } | { error: string }

const now = (): number => Number(process.hrtime.bigint()) / 1e6

interface Member {
  addr: string
  /** whether it sees the whole room: every member (roomsub), a subscriber (gossipsub), or joined (socket.io) */
  inRoom: () => Promise<boolean>
  send: (payload: string) => Promise<void>
  stop: () => Promise<void>
}

let member: Member | undefined
let size = 0
let sent: Array<[number, number]> = []
let received: Array<[number, number]> = []
let seen = new Set<number>()
let duplicates = 0
let failedSends = 0
let cpu = process.cpuUsage()

function reply (message: FromMember): void {
  process.send?.(message)
}

function onMessage (_to: number, payload: string): void {
  const at = now()
  const id = Number(payload.slice(0, payload.indexOf('|')))
  if (seen.has(id)) {
    duplicates++
    return
  }
  seen.add(id)
  received.push([id, at])
}

async function start (o: MemberStart): Promise<Member> {
  if (o.system === 'hub') {
    const hub = new SocketIOSystem()
    await hub.listen()
    return { addr: hub.url, inRoom: async () => true, send: async () => {}, stop: async () => { await hub.stop() } }
  }
  if (o.system === 'socket.io') {
    const hub = new SocketIOSystem(o.peers[0])
    hub.onMessage = onMessage
    const client = await hub.addClient(o.index)
    await hub.join(client, `user${o.index}`)
    hub.clients.push(client)
    return { addr: '', inRoom: async () => true, send: async (payload) => { await hub.send(0, payload) }, stop: async () => { await hub.stop() } }
  }
  if (o.system === 'gossipsub') {
    const pubsub = new GossipsubSystem(o.topic)
    pubsub.onMessage = onMessage
    const addr = await pubsub.addNode(o.index, o.peers)
    return { addr, inRoom: async () => pubsub.ready(0), send: async (payload) => { await pubsub.send(0, payload) }, stop: async () => { await pubsub.stop() } }
  }
  if (o.system === 'roomsub') {
    const room = new RoomsubSystem({}, o.appID)
    room.onMessage = onMessage
    const zim = await room.addMember(o.index, o.peers)
    return { addr: zim.libp2p?.getMultiaddrs()[0].toString() ?? '', inRoom: async () => await room.memberCount(0) === o.members, send: async (payload) => { await room.send(0, payload) }, stop: async () => { await room.stop() } }
  }
  throw new Error(`no such system: ${String(o.system)}`)
}

async function handle (command: ToMember): Promise<void> {
  if ('start' in command) {
    size = command.start.size
    member = await start(command.start)
    reply({ ready: { addr: member.addr } })
  } else if ('check' in command) {
    reply({ inRoom: await (member?.inRoom() ?? false) })
  } else if ('send' in command) {
    const id = command.send
    const payload = padded(`${id}|`, size)
    sent.push([id, now()])
    member?.send(payload).catch(() => { failedSends++ })
  } else if ('tally' in command) {
    reply({ tally: received.length })
  } else if ('report' in command) {
    const used = process.cpuUsage(cpu)
    reply({ report: { sent, received, duplicates, failedSends, cpuMs: (used.user + used.system) / 1000 } })
    // the next run starts from here
    sent = []
    received = []
    seen = new Set()
    duplicates = 0
    failedSends = 0
    cpu = process.cpuUsage()
  } else if ('stop' in command) {
    await member?.stop()
    process.exit(0)
  }
}

process.on('message', (command: ToMember) => {
  handle(command).catch(err => {
    reply({ error: err instanceof Error ? err.stack ?? err.message : String(err) })
  })
})
// the parent went away: nothing is left to serve
process.on('disconnect', () => { process.exit(0) })
