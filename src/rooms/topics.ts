/**
 * Names on the wire: the gossipsub topic of a room and the protocol ids
 * roomsub registers. `appID` is part of each, so two apps never meet.
 */

export function roomTopic (appID: number, roomID: string): string {
  return `/roomsub/1/${appID}/room/${roomID}`
}

export function snapshotProtocol (appID: number): string {
  return `/roomsub/${appID}/snapshot/1.0.0`
}

export function historyProtocol (appID: number): string {
  return `/roomsub/${appID}/history/1.0.0`
}

export function directProtocol (appID: number): string {
  return `/roomsub/${appID}/direct/1.0.0`
}
