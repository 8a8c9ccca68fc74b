/**
 * Parameter checks with ZIM's limits. Each throws a ZIMError 6000001 naming
 * what is wrong, before anything touches the network.
 */
import { ZIMErrorCode, zimError } from './errors.js'
import { utf8Length } from '../wire/bytes.js'
import { ZIMMessagePriority, ZIMMessageType } from './defines.js'
import { ATTRIBUTE_LIMITS } from '../rooms/attributes.js'
import { MAX_HISTORY_LIMIT, MAX_HISTORY_PAGE } from '../history/store.js'
import type { HistoryPage } from '../history/store.js'
import type { ZIMMessageQueryConfig, ZIMRoomAdvancedConfig, ZIMRoomInfo, ZIMRoomMessage } from './defines.js'

export const LIMITS = {
  userIDBytes: 32,
  roomIDBytes: 128,
  userNameBytes: 256,
  roomNameBytes: 64,
  textBytes: 32 * 1024,
  commandBytes: 5 * 1024,
  extendedDataBytes: 1024,
  searchedContentBytes: 64,
  maxSubType: 200,
  maxDestroyDelaySeconds: 10800,
  memberPageSize: 100,
  /** userIDs one queryRoomMembers call names at most */
  membersQueryIDs: 10,
  /** userIDs one member-attributes call names at most */
  memberAttributesUserIDs: 100
} as const

const USER_ID_CHARS = /^[A-Za-z0-9!#$%&()+\-:;<=.>?@[\]^_{}|~]+$/
const ROOM_ID_CHARS = /^[A-Za-z0-9!#$%&()+\-:;<=.>?@[\]^_{}|~ ,]+$/

function invalid (message: string): never {
  throw zimError(ZIMErrorCode.CommonModuleParamsInvalid, message)
}

export function checkUserID (userID: unknown): asserts userID is string {
  if (typeof userID !== 'string' || userID.length === 0) invalid('userID must be a non-empty string')
  if (utf8Length(userID) > LIMITS.userIDBytes) invalid(`userID is longer than ${LIMITS.userIDBytes} bytes`)
  if (!USER_ID_CHARS.test(userID)) invalid('userID has a character ZIM does not allow')
}

export function checkUserName (userName: unknown): asserts userName is string {
  if (typeof userName !== 'string') invalid('userName must be a string')
  if (utf8Length(userName) > LIMITS.userNameBytes) invalid(`userName is longer than ${LIMITS.userNameBytes} bytes`)
}

export function checkRoomID (roomID: unknown): asserts roomID is string {
  if (typeof roomID !== 'string' || roomID.length === 0) invalid('roomID must be a non-empty string')
  if (utf8Length(roomID) > LIMITS.roomIDBytes) invalid(`roomID is longer than ${LIMITS.roomIDBytes} bytes`)
  if (!ROOM_ID_CHARS.test(roomID)) invalid('roomID has a character ZIM does not allow')
}

export function checkRoomInfo (roomInfo: unknown): asserts roomInfo is ZIMRoomInfo {
  if (roomInfo == null || typeof roomInfo !== 'object') invalid('roomInfo must be an object')
  const info = roomInfo as Partial<ZIMRoomInfo>
  checkRoomID(info.roomID)
  const roomName = info.roomName ?? ''
  if (typeof roomName !== 'string') invalid('roomName must be a string')
  if (utf8Length(roomName) > LIMITS.roomNameBytes) invalid(`roomName is longer than ${LIMITS.roomNameBytes} bytes`)
}

export function checkRoomConfig (config: unknown): asserts config is ZIMRoomAdvancedConfig | undefined {
  if (config == null) return
  if (typeof config !== 'object') invalid('config must be an object')
  const delay = (config as ZIMRoomAdvancedConfig).roomDestroyDelayTime
  if (delay != null && (!Number.isInteger(delay) || delay < 0 || delay > LIMITS.maxDestroyDelaySeconds)) {
    invalid(`roomDestroyDelayTime must be a whole number of seconds from 0 to ${LIMITS.maxDestroyDelaySeconds}`)
  }
  const attrs = (config as ZIMRoomAdvancedConfig).roomAttributes
  if (attrs != null && !(typeof attrs === 'object' && Object.keys(attrs).length === 0)) {
    checkAttributeMap(attrs, 'roomAttributes')
    checkRoomAttributeSizes(attrs)
    checkRoomAttributeTotals(new Map(), new Map(Object.entries(attrs)))
  }
}

function checkText (text: unknown, what: string): void {
  if (typeof text !== 'string') invalid(`${what} message must be a string`)
  if (text.trim().length === 0) invalid(`${what} message must not be empty or only whitespace`)
  if (utf8Length(text) > LIMITS.textBytes) invalid(`${what} message is longer than ${LIMITS.textBytes} bytes`)
}

export function checkRoomMessage (message: unknown): asserts message is ZIMRoomMessage {
  if (message == null || typeof message !== 'object') invalid('message must be an object')
  const m = message as Partial<ZIMRoomMessage> & { message?: unknown, subType?: unknown, searchedContent?: unknown }
  switch (m.type) {
    case ZIMMessageType.Text:
      checkText(m.message, 'text')
      break
    case ZIMMessageType.Barrage:
      checkText(m.message, 'barrage')
      break
    case ZIMMessageType.Custom:
      checkText(m.message, 'custom')
      if (typeof m.subType !== 'number' || !Number.isInteger(m.subType) || m.subType < 0 || m.subType > LIMITS.maxSubType) {
        invalid(`custom message subType must be a whole number from 0 to ${LIMITS.maxSubType}`)
      }
      if (m.searchedContent != null && (typeof m.searchedContent !== 'string' || utf8Length(m.searchedContent) > LIMITS.searchedContentBytes)) {
        invalid(`searchedContent must be a string of at most ${LIMITS.searchedContentBytes} bytes`)
      }
      break
    case ZIMMessageType.Command:
      if (!(m.message instanceof Uint8Array)) invalid('command message must be a Uint8Array')
      if (m.message.byteLength === 0) invalid('command message must not be empty')
      if (m.message.byteLength > LIMITS.commandBytes) invalid(`command message is longer than ${LIMITS.commandBytes} bytes`)
      break
    default:
      invalid(`message type ${String(m.type)} cannot be sent to a room`)
  }
  if (m.extendedData != null && (typeof m.extendedData !== 'string' || utf8Length(m.extendedData) > LIMITS.extendedDataBytes)) {
    invalid(`extendedData must be a string of at most ${LIMITS.extendedDataBytes} bytes`)
  }
}

export function checkPriority (config: unknown): ZIMMessagePriority {
  if (config == null) return ZIMMessagePriority.Low
  if (typeof config !== 'object') invalid('config must be an object')
  const priority = (config as { priority?: unknown }).priority ?? ZIMMessagePriority.Low
  if (priority !== ZIMMessagePriority.Low && priority !== ZIMMessagePriority.Medium && priority !== ZIMMessagePriority.High) {
    invalid('config.priority must be 1, 2 or 3')
  }
  return priority
}

/** A non-empty `Record<string, string>` of attributes. */
export function checkAttributeMap (attrs: unknown, what: string): asserts attrs is Record<string, string> {
  if (attrs == null || typeof attrs !== 'object' || Array.isArray(attrs)) invalid(`${what} must be an object of string keys and values`)
  const entries = Object.entries(attrs)
  if (entries.length === 0) invalid(`${what} must have at least one key`)
  for (const [key, value] of entries) {
    if (key === '') invalid(`${what} has an empty key`)
    if (typeof value !== 'string') invalid(`${what}.${key} must be a string`)
  }
}

/** A non-empty list of distinct-or-not userIDs, at most `max` of them. */
export function checkUserIDList (userIDs: unknown, max: number): asserts userIDs is string[] {
  if (!Array.isArray(userIDs) || userIDs.length === 0) invalid('userIDs must be a non-empty array')
  if (userIDs.length > max) invalid(`userIDs has more than ${max} entries`)
  for (const userID of userIDs) checkUserID(userID)
}

/** A list of keys to delete. */
export function checkKeyList (keys: unknown): asserts keys is string[] {
  if (!Array.isArray(keys) || keys.length === 0) invalid('keys must be a non-empty array')
  for (const key of keys) {
    if (typeof key !== 'string' || key === '') invalid('every key must be a non-empty string')
  }
}

/** Reads an optional config object of booleans; a field that is set must be a boolean. */
export function checkFlags<K extends string> (config: unknown, names: readonly K[], defaults: Record<K, boolean>): Record<K, boolean> {
  if (config != null && typeof config !== 'object') invalid('config must be an object')
  const out = { ...defaults }
  for (const name of names) {
    const value = (config as Partial<Record<K, unknown>> | undefined)?.[name]
    if (value == null) continue
    if (typeof value !== 'boolean') invalid(`config.${name} must be a boolean`)
    out[name] = value
  }
  return out
}

/** The paging config of member lists: `{ nextFlag, count }`. */
export function checkPageConfig (config: unknown): { nextFlag: string, count: number } {
  if (config == null || typeof config !== 'object' || typeof (config as { count?: unknown }).count !== 'number' || !Number.isFinite((config as { count: number }).count)) {
    invalid('config.count must be a number')
  }
  const { nextFlag = '', count } = config as { nextFlag?: unknown, count: number }
  if (typeof nextFlag !== 'string') invalid('config.nextFlag must be a string')
  return { nextFlag, count }
}

function overLimit (code: ZIMErrorCode, message: string): never {
  throw zimError(code, message)
}

/** ZIM's room attribute limits: the sizes of what is set, then the room's attributes after the change. */
export function checkRoomAttributeSizes (attrs: Record<string, string>): void {
  for (const [key, value] of Object.entries(attrs)) {
    if (utf8Length(key) > ATTRIBUTE_LIMITS.roomKeyBytes) overLimit(ZIMErrorCode.RoomModuleTheLengthOfRoomAttributeKeyExceedsLimit, `room attribute key ${key} is longer than ${ATTRIBUTE_LIMITS.roomKeyBytes} bytes`)
    if (utf8Length(value) > ATTRIBUTE_LIMITS.roomValueBytes) overLimit(ZIMErrorCode.RoomModuleTheLengthOfRoomAttributeValueExceedsLimit, `room attribute ${key} has a value longer than ${ATTRIBUTE_LIMITS.roomValueBytes} bytes`)
  }
}

function totalBytes (attrs: Map<string, string>): number {
  let total = 0
  for (const [key, value] of attrs) total += utf8Length(key) + utf8Length(value)
  return total
}

/** A change may not take the room past ZIM's count and total limits (nor further past them, if concurrent writers already did). */
export function checkRoomAttributeTotals (before: Map<string, string>, after: Map<string, string>): void {
  if (after.size > ATTRIBUTE_LIMITS.roomKeys && after.size > before.size) {
    overLimit(ZIMErrorCode.RoomModuleTheNumberOfRoomAttributesExceedsLimit, `a room holds at most ${ATTRIBUTE_LIMITS.roomKeys} attributes`)
  }
  const total = totalBytes(after)
  if (total > ATTRIBUTE_LIMITS.roomTotalBytes && total > totalBytes(before)) {
    overLimit(ZIMErrorCode.RoomModuleTheTotalLengthOfRoomAttributesValueExceedsLimit, `a room's attributes hold at most ${ATTRIBUTE_LIMITS.roomTotalBytes} bytes in all`)
  }
}

/** ZIM's member attribute limits, for one member's attributes after the change. */
export function checkMemberAttributes (attrs: Record<string, string>, after?: Map<string, string>): void {
  for (const [key, value] of Object.entries(attrs)) {
    if (utf8Length(key) > ATTRIBUTE_LIMITS.memberKeyBytes) overLimit(ZIMErrorCode.RoomModuleTheLengthOfRoomMemberAttributesKeyExceedsLimit, `member attribute key ${key} is longer than ${ATTRIBUTE_LIMITS.memberKeyBytes} bytes`)
    if (utf8Length(value) > ATTRIBUTE_LIMITS.memberValueBytes) overLimit(ZIMErrorCode.RoomModuleTheLengthOfRoomMemberAttributesValueExceedsLimit, `member attribute ${key} has a value longer than ${ATTRIBUTE_LIMITS.memberValueBytes} bytes`)
  }
  if (after == null) return
  if (after.size > ATTRIBUTE_LIMITS.memberPairs) overLimit(ZIMErrorCode.RoomModuleTheMemberNumberOfRoomMemberAttributesExceedsLimit, `a member holds at most ${ATTRIBUTE_LIMITS.memberPairs} attributes`)
  if (totalBytes(after) > ATTRIBUTE_LIMITS.memberTotalBytes) overLimit(ZIMErrorCode.RoomModuleTheTotalLengthOfRoomMemberAttributesExceedsLimit, `a member's attributes hold at most ${ATTRIBUTE_LIMITS.memberTotalBytes} bytes in all`)
}

function checkWhole (value: unknown, name: string, max: number): void {
  if (value != null && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max)) {
    invalid(`${name} must be a whole number from 0 to ${max}`)
  }
}

/** The history options of `ZIM.create`. */
export function checkHistoryConfig (config: { historyLimit?: unknown, historyMaxAge?: unknown, historyOnJoin?: unknown }): void {
  checkWhole(config.historyLimit, 'historyLimit', MAX_HISTORY_LIMIT)
  checkWhole(config.historyMaxAge, 'historyMaxAge', Number.MAX_SAFE_INTEGER)
  checkWhole(config.historyOnJoin, 'historyOnJoin', MAX_HISTORY_PAGE)
}

/** `queryHistoryMessage`'s config, as the page it asks for (count capped at 100). */
export function checkHistoryQuery (config: unknown): HistoryPage {
  if (config == null || typeof config !== 'object') invalid('config must be an object')
  const { count, reverse, nextMessage } = config as Partial<ZIMMessageQueryConfig>
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) invalid('config.count must be a whole number from 1')
  if (reverse != null && typeof reverse !== 'boolean') invalid('config.reverse must be a boolean')
  let anchor: HistoryPage['anchor']
  if (nextMessage != null) {
    if (typeof nextMessage !== 'object') invalid('config.nextMessage must be a message')
    const { orderKey, messageID } = nextMessage
    if (typeof orderKey !== 'number' || !Number.isSafeInteger(orderKey) || orderKey <= 0) invalid('config.nextMessage.orderKey must be a message\'s orderKey')
    if (typeof messageID !== 'string' || !/^[0-9]{1,20}$/.test(messageID)) invalid('config.nextMessage.messageID must be a message\'s messageID')
    anchor = { orderKey, messageID }
  }
  return { anchor, older: reverse === true, count: Math.min(count, MAX_HISTORY_PAGE) }
}
