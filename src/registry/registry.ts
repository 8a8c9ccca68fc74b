/**
 * The room registry: looks up and publishes room records in the Kademlia
 * DHT under `/roomsub/1/<appID>/<roomID>`. Every DHT call carries a deadline,
 * since a query on a node with no routing-table peers never settles.
 */
import { logger } from '@libp2p/logger'
import { openRecord, registryKey, selectBest } from './record.js'
import { AuthorCache } from '../wire/keys.js'
import { EnvelopeCodec } from '../wire/envelope.js'
import type { RoomRecordView } from './record.js'
import type { KadDHT, SelectFn, ValidateFn } from '@libp2p/kad-dht'

const log = logger('roomsub:registry')

export const REGISTRY_NAMESPACE = 'roomsub'

/** The validator and selector a kad-dht must carry for roomsub's records. */
export function registryRules (appID: number): { validators: Record<string, ValidateFn>, selectors: Record<string, SelectFn> } {
  const codec = new EnvelopeCodec(appID, new AuthorCache(1024))
  const validate: ValidateFn = async (key, value) => {
    await openRecord(codec, key, value)
  }
  const select: SelectFn = async (key, values) => {
    const views: RoomRecordView[] = []
    const index: number[] = []
    for (let i = 0; i < values.length; i++) {
      try {
        views.push(await openRecord(codec, key, values[i]))
        index.push(i)
      } catch {}
    }
    if (views.length === 0) {
      return 0
    }
    return index[selectBest(views)]
  }
  return { validators: { [REGISTRY_NAMESPACE]: validate }, selectors: { [REGISTRY_NAMESPACE]: select } }
}

export interface RegistryAnswer {
  record?: RoomRecordView
  /** peers that answered the query, with or without a record */
  answers: number
}

export interface RoomRegistryInit {
  dht: KadDHT
  codec: EnvelopeCodec
  /** deadline of one lookup or publish, in ms */
  timeout: number
  /** aborted when the owner stops: cancels every DHT call */
  signal: AbortSignal
}

export class RoomRegistry {
  private readonly init: RoomRegistryInit

  constructor (init: RoomRegistryInit) {
    this.init = init
  }

  private signal (): AbortSignal {
    return AbortSignal.any([this.init.signal, AbortSignal.timeout(this.init.timeout)])
  }

  /**
   * The best record the network holds for the room, live or expired (none
   * found in time: undefined), and how many peers answered the query: with
   * no record and no answer, nobody said the room is missing.
   */
  async lookup (roomID: string): Promise<RegistryAnswer> {
    const key = registryKey(this.init.codec.appID, roomID)
    const found: RoomRecordView[] = []
    let answers = 0
    try {
      for await (const event of this.init.dht.get(key, { signal: this.signal() })) {
        if (event.name === 'PEER_RESPONSE' && event.messageName === 'GET_VALUE') answers++
        if (event.name === 'VALUE') {
          try {
            found.push(await openRecord(this.init.codec, key, event.value))
          } catch (err) {
            log('ignoring invalid record for %s: %e', roomID, err)
          }
        }
      }
    } catch (err) {
      log('lookup of %s ended early: %e', roomID, err)
    }
    return { record: found.length === 0 ? undefined : found[selectBest(found)], answers }
  }

  /**
   * Stores the record locally at once and at the closest peers before the
   * deadline. Returns how many remote peers confirmed storing it.
   */
  async publish (roomID: string, record: Uint8Array): Promise<number> {
    const key = registryKey(this.init.codec.appID, roomID)
    let stored = 0
    try {
      for await (const event of this.init.dht.put(key, record, { signal: this.signal() })) {
        if (event.name === 'PEER_RESPONSE' && event.messageName === 'PUT_VALUE') {
          stored++
        } else if (event.name === 'QUERY_ERROR') {
          log('put of %s: %e', roomID, event.error)
        }
      }
    } catch (err) {
      log('put of %s ended early: %e', roomID, err)
    }
    return stored
  }
}
