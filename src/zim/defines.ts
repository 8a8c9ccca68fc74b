/**
 * ZIM's public shapes and enums, with ZIM's names and numbers
 * (from the zego-zim-web typings), limited to what roomsub implements.
 */
import type { ZIMError } from './errors.js'

export enum ZIMConnectionState { Disconnected = 0, Connecting = 1, Connected = 2, Reconnecting = 3 }
export enum ZIMConnectionEvent {
  Success = 0, ActiveLogin = 1, LoginTimeout = 2, LoginInterrupted = 3, KickedOut = 4, TokenExpired = 5, Unregistered = 6
}
export enum ZIMRoomState { Disconnected = 0, Connecting = 1, Connected = 2 }
export enum ZIMRoomEvent {
  Success = 0, NetworkInterrupted = 1, NetworkDisconnected = 2, RoomNotExist = 3, ActiveCreate = 4, CreateFailed = 5,
  ActiveEnter = 6, EnterFailed = 7, KickedOut = 8, ConnectTimeout = 9, KickedOutByOtherDevice = 10, ActiveSwitch = 11,
  SwitchFailed = 12
}
export enum ZIMConversationType { Unknown = -1, Peer = 0, Room = 1, Group = 2 }
export enum ZIMMessageType { Unknown = 0, Text = 1, Command = 2, Barrage = 20, System = 30, Custom = 200 }
export enum ZIMMessagePriority { Low = 1, Medium = 2, High = 3 }
export enum ZIMMessageSentStatus { Sending = 0, Success = 1, Failed = 2 }
export enum ZIMMessageDirection { Send = 0, Receive = 1 }

export interface ZIMAppConfig {
  appID: number
}

export interface ZIMUserInfo {
  userID: string
  userName: string
  userAvatarUrl?: string
  userExtendedData?: string
}

export interface ZIMLoginConfig {
  userName?: string
  token?: string
  isOfflineLogin?: boolean
}

export interface ZIMRoomInfo {
  roomID: string
  roomName: string
}

export interface ZIMRoomFullInfo {
  baseInfo: ZIMRoomInfo
}

export interface ZIMRoomAdvancedConfig {
  roomAttributes?: Record<string, string>
  roomDestroyDelayTime?: number
}

export interface ZIMRoomMemberQueryConfig {
  nextFlag: string
  count: number
}

export interface ZIMMessage {
  type: ZIMMessageType
  messageID?: string
  localMessageID?: string
  senderUserID?: string
  conversationID?: string
  conversationType?: ZIMConversationType
  direction?: ZIMMessageDirection
  sentStatus?: ZIMMessageSentStatus
  timestamp?: number
  orderKey?: number
  extendedData?: string
}

export interface ZIMTextMessage extends ZIMMessage { type: ZIMMessageType.Text, message: string }
export interface ZIMCommandMessage extends ZIMMessage { type: ZIMMessageType.Command, message: Uint8Array }
export interface ZIMBarrageMessage extends ZIMMessage { type: ZIMMessageType.Barrage, message: string }
export interface ZIMCustomMessage extends ZIMMessage {
  type: ZIMMessageType.Custom
  message: string
  subType: number
  searchedContent?: string
}
export type ZIMRoomMessage = ZIMTextMessage | ZIMCommandMessage | ZIMBarrageMessage | ZIMCustomMessage

export interface ZIMMessageSendConfig {
  priority: ZIMMessagePriority
}

export interface ZIMMessageSendNotification {
  onMessageAttached?: (message: ZIMMessage) => void
}

/**
 * One page of `queryHistoryMessage`. Each page's `messageList` is ascending (oldest first, as ZIM's
 * web SDK returns it): paging toward older messages continues from `messageList[0]`, toward newer
 * ones from the last message.
 */
export interface ZIMMessageQueryConfig {
  /** the message the page continues from (excluded); none for the first page */
  nextMessage?: ZIMMessage | null
  /** messages in the page, from 1; more than 100 is taken as 100 */
  count: number
  /** true: from the newest message toward older ones; false (default): from the oldest toward newer ones */
  reverse?: boolean
  /** ZIM's query mode (local or server); roomsub has one source, the node and its room peers, and ignores it */
  mode?: number
}

export interface ZIMRoomCreatedResult { roomInfo: ZIMRoomFullInfo }
export interface ZIMRoomJoinedResult { roomInfo: ZIMRoomFullInfo }
export interface ZIMRoomEnteredResult { roomInfo: ZIMRoomFullInfo }
export interface ZIMRoomLeftResult { roomID: string }
export interface ZIMRoomAllLeftResult { roomIDs: string[] }
export interface ZIMRoomMemberQueriedResult { roomID: string, memberList: ZIMUserInfo[], nextFlag: string }
export interface ZIMRoomOnlineMemberCountQueriedResult { roomID: string, count: number }
export interface ZIMMessageSentResult { message: ZIMMessage }
export interface ZIMRoomSwitchedResult { roomInfo: ZIMRoomFullInfo }
export interface ZIMErrorUserInfo { userID: string, reason: number }
export interface ZIMRoomMembersQueriedResult { roomID: string, memberList: ZIMUserInfo[], errorUserList: ZIMErrorUserInfo[] }

export enum ZIMRoomAttributesUpdateAction { Set = 0, Delete = 1 }
export interface ZIMRoomAttributesSetConfig { isForce: boolean, isDeleteAfterOwnerLeft: boolean, isUpdateOwner: boolean }
export interface ZIMRoomAttributesBatchOperationConfig { isForce: boolean, isDeleteAfterOwnerLeft: boolean, isUpdateOwner: boolean }
export interface ZIMRoomAttributesDeleteConfig { isForce: boolean }
export interface ZIMRoomAttributesUpdateInfo { action: ZIMRoomAttributesUpdateAction, roomAttributes: Record<string, string> }
export interface ZIMRoomAttributesOperatedResult { roomID: string, errorKeys: string[] }
export interface ZIMRoomAttributesBatchOperatedResult { roomID: string }
export interface ZIMRoomAttributesQueriedResult { roomID: string, roomAttributes: Record<string, string> }

export interface ZIMRoomMemberAttributesSetConfig { isDeleteAfterOwnerLeft: boolean }
export interface ZIMRoomMemberAttributesInfo { userID: string, attributes: Record<string, string> }
export interface ZIMRoomMemberAttributesOperatedInfo { attributesInfo: ZIMRoomMemberAttributesInfo, errorKeys: string[] }
export interface ZIMRoomMemberAttributesUpdateInfo { attributesInfo: ZIMRoomMemberAttributesInfo }
export interface ZIMRoomMemberAttributesQueryConfig { nextFlag: string, count: number }
export interface ZIMRoomOperatedInfo { userID: string }
export interface ZIMRoomMembersAttributesOperatedResult { roomID: string, infos: ZIMRoomMemberAttributesOperatedInfo[], errorUserList: string[] }
export interface ZIMRoomMembersAttributesQueriedResult { roomID: string, infos: ZIMRoomMemberAttributesInfo[] }
export interface ZIMRoomMemberAttributesListQueriedResult { roomID: string, infos: ZIMRoomMemberAttributesInfo[], nextFlag: string }
export interface ZIMMessageQueriedResult { conversationID: string, conversationType: ZIMConversationType, messageList: ZIMMessage[] }

export interface ZIMEventOfConnectionStateChangedResult {
  state: ZIMConnectionState
  event: ZIMConnectionEvent
  extendedData: string
}
export interface ZIMEventOfRoomStateChangedResult {
  roomID: string
  state: ZIMRoomState
  event: ZIMRoomEvent
  extendedData: string
}
export interface ZIMEventOfRoomMemberChangedResult {
  roomID: string
  memberList: ZIMUserInfo[]
}
export interface ZIMEventOfRoomAttributesUpdatedResult {
  roomID: string
  infos: ZIMRoomAttributesUpdateInfo[]
}
export interface ZIMEventOfRoomMembersAttributesUpdatedResult {
  roomID: string
  infos: ZIMRoomMemberAttributesUpdateInfo[]
  operatedInfo: ZIMRoomOperatedInfo
}
export interface ZIMMessageReceivedInfo { isOfflineMessage: boolean }
export interface ZIMEventOfConversationMessageReceivedResult {
  messageList: ZIMMessage[]
  fromConversationID: string
  info: ZIMMessageReceivedInfo
}
export interface ZIMEventOfReceiveConversationMessageResult {
  messageList: ZIMMessage[]
  fromConversationID: string
}

/** The events a ZIM instance emits; every listener is called as `(zim, data)`. */
export interface ZIMEventHandler<Z> {
  connectionStateChanged: (zim: Z, data: ZIMEventOfConnectionStateChangedResult) => void
  error: (zim: Z, data: ZIMError) => void
  roomStateChanged: (zim: Z, data: ZIMEventOfRoomStateChangedResult) => void
  roomMemberJoined: (zim: Z, data: ZIMEventOfRoomMemberChangedResult) => void
  roomMemberLeft: (zim: Z, data: ZIMEventOfRoomMemberChangedResult) => void
  roomAttributesUpdated: (zim: Z, data: ZIMEventOfRoomAttributesUpdatedResult) => void
  roomAttributesBatchUpdated: (zim: Z, data: ZIMEventOfRoomAttributesUpdatedResult) => void
  roomMemberAttributesUpdated: (zim: Z, data: ZIMEventOfRoomMembersAttributesUpdatedResult) => void
  roomMessageReceived: (zim: Z, data: ZIMEventOfConversationMessageReceivedResult) => void
  receiveRoomMessage: (zim: Z, data: ZIMEventOfReceiveConversationMessageResult) => void
}
