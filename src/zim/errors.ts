/**
 * ZIM's error codes and the one error class every roomsub failure is made of.
 * Everything that rejects a public call goes through `zimError` so a caller
 * always gets a `ZIMError { code, message }` with ZIM's number.
 */

export enum ZIMErrorCode {
  Success = 0,
  CommonModuleParamsInvalid = 6000001,
  CommonModuleNotInit = 6000002,
  CommonModuleTriggerSDKFrequencyLimit = 6000004,
  NetworkModuleTokenInvalid = 6000103,
  NetworkModuleNetworkError = 6000104,
  NetworkModuleRequestTimeout = 6000105,
  NetworkModuleTokenExpired = 6000106,
  NetworkModuleUserHasAlreadyLogged = 6000111,
  NetworkModuleUserIsNotLogged = 6000121,
  MessageModuleSendMessageFailed = 6000203,
  RoomModuleCreateRoomError = 6000303,
  RoomModuleJoinRoomError = 6000304,
  RoomModuleLeaveRoomError = 6000306,
  RoomModuleTheRoomMemberQueryFailed = 6000310,
  RoomModuleUserIsAlreadyInTheRoom = 6000320,
  RoomModuleUserIsNotInTheRoom = 6000321,
  RoomModuleTheRoomDoesNotExist = 6000322,
  RoomModuleTheRoomAlreadyExists = 6000323,
  RoomModuleTheNumberOfJoinedRoomsHasReachedLimit = 6000325,
  RoomModuleTheRoomIsConnecting = 6000326,
  RoomModuleRoomAttributesOperationFailedCompletely = 6000331,
  RoomModuleRoomAttributesOperationFailedPartly = 6000332,
  RoomModuleTheNumberOfRoomAttributesExceedsLimit = 6000334,
  RoomModuleTheLengthOfRoomAttributeKeyExceedsLimit = 6000335,
  RoomModuleTheLengthOfRoomAttributeValueExceedsLimit = 6000336,
  RoomModuleTheTotalLengthOfRoomAttributesValueExceedsLimit = 6000337,
  RoomModuleTheTotalLengthOfRoomMemberAttributesExceedsLimit = 6000351,
  RoomModuleTheLengthOfRoomMemberAttributesKeyExceedsLimit = 6000352,
  RoomModuleTheLengthOfRoomMemberAttributesValueExceedsLimit = 6000353,
  RoomModuleTheMemberNumberOfRoomMemberAttributesExceedsLimit = 6000357
}

export class ZIMError extends Error {
  readonly code: ZIMErrorCode

  constructor (code: ZIMErrorCode, message: string) {
    super(message)
    this.name = 'ZIMError'
    this.code = code
  }
}

export function zimError (code: ZIMErrorCode, message: string): ZIMError {
  return new ZIMError(code, message)
}

/** Wraps anything thrown by the network layer into a ZIMError with the given code. */
export function toZIMError (err: unknown, code: ZIMErrorCode, what: string): ZIMError {
  if (err instanceof ZIMError) {
    return err
  }
  const reason = err instanceof Error ? err.message : String(err)
  return new ZIMError(code, `${what}: ${reason}`)
}
