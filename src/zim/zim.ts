/**
 * The ZIM facade: ZIM's calls, result shapes, events and error codes on top
 * of a libp2p node and the room manager. It checks parameters (6000001
 * before anything touches the network), owns the login lifecycle and turns
 * room-manager events into ZIM events called as `(zim, data)`.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { logger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createRoomsubNode } from '../node/create-node.js'
import { BootstrapDialer, waitUntilRoutable } from '../node/bootstrap.js'
import { RoomRegistry } from '../registry/registry.js'
import { RoomManager } from '../rooms/room-manager.js'
import { AuthorCache, createSigner } from '../wire/keys.js'
import { EnvelopeCodec } from '../wire/envelope.js'
import { resolveConfig } from './config.js'
import { TokenVerifier } from '../auth/token.js'
import { ZIMError, ZIMErrorCode, toZIMError, zimError } from './errors.js'
import {
  ZIMConnectionEvent, ZIMConnectionState, ZIMConversationType, ZIMMessageDirection, ZIMMessageSentStatus, ZIMMessageType,
  ZIMRoomAttributesUpdateAction, ZIMRoomEvent
} from './defines.js'
import {
  LIMITS, checkAttributeMap, checkFlags, checkHistoryConfig, checkHistoryQuery, checkKeyList, checkMemberAttributes, checkPageConfig, checkPriority,
  checkRoomAttributeSizes, checkRoomAttributeTotals, checkRoomConfig, checkRoomID, checkRoomInfo, checkRoomMessage, checkUserID, checkUserIDList, checkUserName
} from './validate.js'
import type { FrameStats } from '../rooms/frame-gate.js'
import type { RoomsubNode } from '../node/create-node.js'
import type { RoomsubConfig, ResolvedConfig } from './config.js'
import type {
  ZIMAppConfig, ZIMEventHandler, ZIMLoginConfig, ZIMMessage, ZIMMessageQueriedResult, ZIMMessageQueryConfig, ZIMMessageSendConfig, ZIMMessageSendNotification,
  ZIMMessageSentResult, ZIMRoomAdvancedConfig, ZIMRoomAllLeftResult, ZIMRoomCreatedResult, ZIMRoomEnteredResult,
  ZIMRoomFullInfo, ZIMRoomInfo, ZIMRoomJoinedResult, ZIMRoomLeftResult, ZIMRoomMemberQueriedResult,
  ZIMRoomMemberQueryConfig, ZIMRoomMessage, ZIMRoomOnlineMemberCountQueriedResult, ZIMUserInfo,
  ZIMErrorUserInfo, ZIMRoomAttributesBatchOperatedResult, ZIMRoomAttributesBatchOperationConfig, ZIMRoomAttributesDeleteConfig,
  ZIMRoomAttributesOperatedResult, ZIMRoomAttributesQueriedResult, ZIMRoomAttributesSetConfig, ZIMRoomAttributesUpdateInfo,
  ZIMRoomMemberAttributesListQueriedResult, ZIMRoomMemberAttributesQueryConfig, ZIMRoomMemberAttributesSetConfig,
  ZIMRoomMembersAttributesOperatedResult, ZIMRoomMembersAttributesQueriedResult, ZIMRoomMembersQueriedResult, ZIMRoomSwitchedResult
} from './defines.js'
import type { Room } from '../rooms/room.js'
import type { AttributeChanges, Plan } from '../rooms/attributes.js'
import type { EnterOptions } from '../rooms/room-manager.js'
import type { RoomAttribute } from '../wire/roomsub.js'
import type { ChatMessage } from '../wire/roomsub.js'

const log = logger('roomsub:zim')

type Handlers = ZIMEventHandler<ZIM>
type EventName = keyof Handlers

interface Session {
  userID: string
  userName: string
  node: RoomsubNode
  ownsNode: boolean
  rooms: RoomManager
  abort: AbortController
  /** fires when the login token expires */
  expiry?: ReturnType<typeof setTimeout>
  onNodeStop?: () => void
}

let localMessageCounter = 0

export class ZIM {
  private static instance: ZIM | null = null

  /** Creates an instance; builds nothing on the network until `login`. */
  static create (appConfig: number | ZIMAppConfig | RoomsubConfig): ZIM {
    const config: RoomsubConfig = typeof appConfig === 'number' ? { appID: appConfig } : appConfig
    if (config == null || typeof config !== 'object' || !Number.isSafeInteger(config.appID) || config.appID <= 0 || config.appID > 0xffffffff) {
      throw zimError(ZIMErrorCode.CommonModuleParamsInvalid, 'appID must be a whole number from 1 to 4294967295')
    }
    checkHistoryConfig(config)
    const resolved = resolveConfig(config)
    // a malformed authority key fails here, not at the first login
    const verifier = resolved.authority != null ? new TokenVerifier(resolved.appID, resolved.authority) : undefined
    const zim = new ZIM(resolved, verifier)
    ZIM.instance = zim
    return zim
  }

  /** The most recently created instance that has not been destroyed. */
  static getInstance (): ZIM | null {
    return ZIM.instance
  }

  private readonly config: ResolvedConfig
  private readonly handlers = new Map<EventName, Handlers[EventName]>()
  private session?: Session
  private loggingIn = false
  private stopping?: Promise<void>
  private destroyed = false

  private readonly verifier?: TokenVerifier

  private constructor (config: ResolvedConfig, verifier?: TokenVerifier) {
    this.config = config
    this.verifier = verifier
  }

  /** The running libp2p node after login (read `getMultiaddrs()` from it); undefined before. */
  get libp2p (): RoomsubNode | undefined {
    return this.session?.node
  }

  on<K extends EventName>(type: K, listener: Handlers[K]): void {
    if (typeof listener !== 'function') {
      throw zimError(ZIMErrorCode.CommonModuleParamsInvalid, 'listener must be a function')
    }
    this.handlers.set(type, listener)
  }

  off<K extends EventName>(type: K): void {
    this.handlers.delete(type)
  }

  private emit<K extends EventName>(type: K, data: Parameters<Handlers[K]>[1]): void {
    const listener = this.handlers.get(type) as ((zim: ZIM, data: Parameters<Handlers[K]>[1]) => void) | undefined
    if (listener == null) return
    try {
      listener(this, data)
    } catch (err) {
      log.error('%s listener threw: %e', type, err)
    }
  }

  /** One merge's changes as ZIM's events: room keys set and deleted, then members' changed keys. */
  private emitAttributes (roomID: string, changes: AttributeChanges, operator: string | undefined, batch: boolean): void {
    const infos: ZIMRoomAttributesUpdateInfo[] = []
    for (const action of [ZIMRoomAttributesUpdateAction.Set, ZIMRoomAttributesUpdateAction.Delete]) {
      const changed = changes.room.filter(c => (c.action as number) === action)
      if (changed.length > 0) infos.push({ action, roomAttributes: Object.fromEntries(changed.map(c => [c.key, c.value])) })
    }
    if (infos.length > 0) this.emit(batch ? 'roomAttributesBatchUpdated' : 'roomAttributesUpdated', { roomID, infos })
    if (changes.members.size > 0) {
      this.emit('roomMemberAttributesUpdated', {
        roomID,
        infos: [...changes.members].map(([userID, attributes]) => ({ attributesInfo: { userID, attributes } })),
        operatedInfo: { userID: operator ?? '' }
      })
    }
  }

  private connectionState (state: ZIMConnectionState, event: ZIMConnectionEvent): void {
    this.emit('connectionStateChanged', { state, event, extendedData: '' })
  }

  // ---------------------------------------------------------------- login

  login (userID: string, config?: Partial<ZIMLoginConfig>): Promise<void>
  /** @deprecated ZIM's older form */
  login (userInfo: Pick<ZIMUserInfo, 'userID' | 'userName'>, token?: string): Promise<void>
  async login (user: string | Pick<ZIMUserInfo, 'userID' | 'userName'>, config?: Partial<ZIMLoginConfig> | string): Promise<void> {
    if (this.destroyed) throw zimError(ZIMErrorCode.CommonModuleNotInit, 'this instance was destroyed')
    let userID: unknown
    let userName: unknown
    let token: unknown
    if (typeof user === 'object' && user != null) {
      userID = user.userID
      userName = user.userName ?? ''
      token = config
    } else {
      userID = user
      userName = (typeof config === 'object' && config != null ? config.userName : undefined) ?? ''
      token = typeof config === 'object' && config != null ? config.token : undefined
    }
    checkUserID(userID)
    checkUserName(userName)
    if (this.session != null || this.loggingIn) {
      throw zimError(ZIMErrorCode.NetworkModuleUserHasAlreadyLogged, 'already logged in')
    }
    this.loggingIn = true
    this.connectionState(ZIMConnectionState.Connecting, ZIMConnectionEvent.ActiveLogin)
    let node: RoomsubNode | undefined
    const ownsNode = this.config.libp2p == null
    const abort = new AbortController()
    try {
      let privateKey = this.config.privateKey
      if (ownsNode) {
        privateKey ??= await generateKeyPair('Ed25519')
        node = await createRoomsubNode({ appID: this.config.appID, listen: this.config.listen, privateKey })
        await node.start()
      } else {
        node = this.config.libp2p
        if (privateKey == null || node == null || !peerIdFromPrivateKey(privateKey).equals(node.peerId)) {
          throw zimError(ZIMErrorCode.CommonModuleParamsInvalid, 'with your own libp2p node, pass its privateKey too: roomsub signs frames with it')
        }
      }
      if (node == null || privateKey == null) throw new Error('no node')
      // the token binds this node's peer id: checked before any peer is dialled
      const auth = this.verifier != null
        ? { verifier: this.verifier, token: this.verifier.checkLogin(token, userID, node.peerId.toString()) }
        : undefined
      const bootstrap = new BootstrapDialer(node, this.config.bootstrap, abort.signal)
      if (!(await bootstrap.start(this.config.loginTimeout))) {
        throw zimError(ZIMErrorCode.NetworkModuleRequestTimeout, 'no bootstrap peer could be reached before loginTimeout')
      }
      if (this.config.bootstrap.length > 0 && !(await waitUntilRoutable(node, this.config.loginTimeout, abort.signal))) {
        log('bootstrap peers connected, but none speaks roomsub\'s DHT and gossipsub yet')
      }
      const codec = new EnvelopeCodec(this.config.appID, new AuthorCache(), createSigner(node.peerId, privateKey))
      const registry = new RoomRegistry({ dht: node.services.dht, codec, timeout: this.config.registryTimeout, signal: abort.signal })
      const rooms = new RoomManager({
        node,
        codec,
        registry,
        config: this.config,
        user: { userID, userName },
        auth,
        events: {
          memberJoined: (roomID, memberList) => { this.emit('roomMemberJoined', { roomID, memberList }) },
          memberLeft: (roomID, memberList) => { this.emit('roomMemberLeft', { roomID, memberList }) },
          message: (roomID, message) => {
            this.emit('roomMessageReceived', { messageList: [message], fromConversationID: roomID, info: { isOfflineMessage: false } })
            this.emit('receiveRoomMessage', { messageList: [message], fromConversationID: roomID })
          },
          // the catch-up after a join: offline messages, told apart by `info`; receiveRoomMessage has no
          // such field and stays live-only
          offlineMessages: (roomID, messageList) => {
            this.emit('roomMessageReceived', { messageList, fromConversationID: roomID, info: { isOfflineMessage: true } })
          },
          roomState: (roomID, state, event, extendedData = '') => { this.emit('roomStateChanged', { roomID, state, event, extendedData }) },
          attributes: (roomID, changes, operator, batch) => { this.emitAttributes(roomID, changes, operator, batch) }
        }
      })
      await rooms.start()
      const session: Session = { userID, userName, node, ownsNode, rooms, abort }
      // the node stopped under us (an app's own node, or a crash in a test): the session is over
      session.onNodeStop = () => { if (this.session === session) void this.end(ZIMConnectionEvent.LoginInterrupted) }
      node.addEventListener('stop', session.onNodeStop)
      this.session = session
      this.connectionState(ZIMConnectionState.Connected, ZIMConnectionEvent.Success)
      if (auth != null) this.expireAt(session, auth.verifier.expiryOf(auth.token))
    } catch (err) {
      abort.abort()
      if (ownsNode) await Promise.resolve(node?.stop()).catch(() => {})
      const error = toZIMError(err, ZIMErrorCode.NetworkModuleNetworkError, 'login failed')
      this.connectionState(ZIMConnectionState.Disconnected, error.code === ZIMErrorCode.NetworkModuleRequestTimeout ? ZIMConnectionEvent.LoginTimeout : ZIMConnectionEvent.LoginInterrupted)
      throw error
    } finally {
      this.loggingIn = false
    }
  }

  /**
   * Leaves every room with a signed leave, then stops what roomsub started.
   * ZIM's logout returns nothing; this one returns a promise that settles
   * when everything is stopped (calling it without await is fine).
   */
  async logout (): Promise<void> {
    await this.end(ZIMConnectionEvent.Success)
  }

  private async end (event: ZIMConnectionEvent): Promise<void> {
    const session = this.session
    if (session == null) return this.stopping
    this.session = undefined
    this.stopping = this.stop(session, event)
    try {
      await this.stopping
    } finally {
      this.stopping = undefined
    }
  }

  /** When the token runs out, members stop listening to us: log out and say why, as ZIM does. */
  private expireAt (session: Session, expiresAt: number): void {
    // setTimeout holds at most 2^31-1 ms: a later expiry is re-armed when that passes
    const wait = Math.min(Math.max(0, expiresAt - Date.now()), 2 ** 31 - 1)
    session.expiry = setTimeout(() => {
      if (this.session !== session) return
      if (Date.now() < expiresAt) { this.expireAt(session, expiresAt); return }
      void this.end(ZIMConnectionEvent.TokenExpired)
    }, wait)
  }

  private async stop (session: Session, event: ZIMConnectionEvent): Promise<void> {
    clearTimeout(session.expiry)
    if (session.onNodeStop != null) session.node.removeEventListener('stop', session.onNodeStop)
    await session.rooms.stop()
    session.abort.abort()
    if (session.ownsNode) {
      await Promise.resolve(session.node.stop()).catch((err: unknown) => { log.error('stopping the node failed: %e', err) })
    }
    this.connectionState(ZIMConnectionState.Disconnected, event)
  }

  /** Logs out and drops every listener; the instance cannot be used again. */
  async destroy (): Promise<void> {
    await this.logout()
    this.handlers.clear()
    this.destroyed = true
    if (ZIM.instance === this) ZIM.instance = null
  }

  private requireSession (): Session {
    if (this.destroyed) throw zimError(ZIMErrorCode.CommonModuleNotInit, 'this instance was destroyed')
    if (this.session == null) throw zimError(ZIMErrorCode.NetworkModuleUserIsNotLogged, 'not logged in')
    return this.session
  }

  private requireRoom (session: Session, roomID: string): Room {
    const room = session.rooms.room(roomID)
    if (room == null) throw zimError(ZIMErrorCode.RoomModuleUserIsNotInTheRoom, `not in room ${roomID}`)
    return room
  }

  /** Counts of frames refused or dropped, by reason (a roomsub extension). */
  frameStats (): FrameStats {
    return this.session?.rooms.frameStats() ?? {}
  }

  // ---------------------------------------------------------------- rooms

  async createRoom (roomInfo: ZIMRoomInfo, config?: ZIMRoomAdvancedConfig): Promise<ZIMRoomCreatedResult> {
    checkRoomInfo(roomInfo)
    checkRoomConfig(config)
    const session = this.requireSession()
    const room = await session.rooms.enter(roomInfo.roomID, 'create', enterOptions(roomInfo, config))
    return { roomInfo: fullInfo(room) }
  }

  async joinRoom (roomID: string): Promise<ZIMRoomJoinedResult> {
    checkRoomID(roomID)
    const session = this.requireSession()
    const room = await session.rooms.enter(roomID, 'join', { roomName: '', destroyDelay: 0 })
    return { roomInfo: fullInfo(room) }
  }

  async enterRoom (roomInfo: ZIMRoomInfo, config?: ZIMRoomAdvancedConfig): Promise<ZIMRoomEnteredResult> {
    checkRoomInfo(roomInfo)
    checkRoomConfig(config)
    const session = this.requireSession()
    const room = await session.rooms.enter(roomInfo.roomID, 'enter', enterOptions(roomInfo, config))
    return { roomInfo: fullInfo(room) }
  }

  /**
   * Leaves `fromRoomID` and enters the room of `toRoomInfo` (creating it if
   * it does not exist and `isCreateWhenRoomNotExisted`). The left room
   * reports Disconnected/ActiveSwitch; the new one Connecting/ActiveSwitch,
   * then Connected/Success or Disconnected/SwitchFailed.
   */
  async switchRoom (fromRoomID: string, toRoomInfo: ZIMRoomInfo, isCreateWhenRoomNotExisted: boolean, config?: ZIMRoomAdvancedConfig): Promise<ZIMRoomSwitchedResult> {
    checkRoomID(fromRoomID)
    checkRoomInfo(toRoomInfo)
    if (typeof isCreateWhenRoomNotExisted !== 'boolean') throw zimError(ZIMErrorCode.CommonModuleParamsInvalid, 'isCreateWhenRoomNotExisted must be a boolean')
    checkRoomConfig(config)
    if (fromRoomID === toRoomInfo.roomID) throw zimError(ZIMErrorCode.CommonModuleParamsInvalid, 'fromRoomID and toRoomInfo.roomID are the same room')
    const session = this.requireSession()
    this.requireRoom(session, fromRoomID)
    if (session.rooms.room(toRoomInfo.roomID) != null) {
      throw zimError(ZIMErrorCode.RoomModuleUserIsAlreadyInTheRoom, `already in room ${toRoomInfo.roomID}`)
    }
    await session.rooms.leave(fromRoomID, ZIMRoomEvent.ActiveSwitch)
    const room = await session.rooms.enter(toRoomInfo.roomID, isCreateWhenRoomNotExisted ? 'enter' : 'join', enterOptions(toRoomInfo, config), true)
    return { roomInfo: fullInfo(room) }
  }

  async leaveRoom (roomID: string): Promise<ZIMRoomLeftResult> {
    checkRoomID(roomID)
    const session = this.requireSession()
    await session.rooms.leave(roomID)
    return { roomID }
  }

  async leaveAllRoom (): Promise<ZIMRoomAllLeftResult> {
    const session = this.requireSession()
    return { roomIDs: await session.rooms.leaveAll() }
  }

  async queryRoomMemberList (roomID: string, config: ZIMRoomMemberQueryConfig): Promise<ZIMRoomMemberQueriedResult> {
    checkRoomID(roomID)
    const { nextFlag, count: asked } = checkPageConfig(config)
    if (asked < 1) return { roomID, memberList: [], nextFlag: '' }
    const session = this.requireSession()
    const room = this.requireRoom(session, roomID)
    const count = Math.min(Math.floor(asked), LIMITS.memberPageSize)
    const everyone = [{ userID: session.userID, userName: session.userName }, ...room.memberList()]
      .sort((a, b) => a.userID < b.userID ? -1 : a.userID > b.userID ? 1 : 0)
    const after = nextFlag === '' ? everyone : everyone.filter(m => m.userID > nextFlag)
    const memberList = after.slice(0, count)
    const more = after.length > count
    return { roomID, memberList, nextFlag: more ? memberList[memberList.length - 1].userID : '' }
  }

  async queryRoomOnlineMemberCount (roomID: string): Promise<ZIMRoomOnlineMemberCountQueriedResult> {
    checkRoomID(roomID)
    const session = this.requireSession()
    const room = this.requireRoom(session, roomID)
    return { roomID, count: room.members.size + 1 }
  }

  /** The users of `userIDs` (at most 10) that are in the room, ourselves included; the others in errorUserList. */
  async queryRoomMembers (userIDs: string[], roomID: string): Promise<ZIMRoomMembersQueriedResult> {
    checkUserIDList(userIDs, LIMITS.membersQueryIDs)
    checkRoomID(roomID)
    const session = this.requireSession()
    const room = this.requireRoom(session, roomID)
    const memberList: ZIMUserInfo[] = []
    const errorUserList: ZIMErrorUserInfo[] = []
    for (const userID of new Set(userIDs)) {
      const member = userID === session.userID ? session : room.members.get(userID)
      if (member != null) memberList.push({ userID, userName: member.userName })
      else errorUserList.push({ userID, reason: ZIMErrorCode.RoomModuleUserIsNotInTheRoom })
    }
    return { roomID, memberList, errorUserList }
  }

  // ---------------------------------------------------------------- room attributes

  /**
   * Sets room attributes. Keys another user owns fail without isForce and
   * come back in errorKeys; if every key fails, the call fails 6000331.
   * Inside a batch (beginRoomAttributesBatchOperation) the change waits for
   * endRoomAttributesBatchOperation, and the batch's config applies.
   */
  async setRoomAttributes (roomAttributes: Record<string, string>, roomID: string, config?: Partial<ZIMRoomAttributesSetConfig>): Promise<ZIMRoomAttributesOperatedResult> {
    checkAttributeMap(roomAttributes, 'roomAttributes')
    checkRoomID(roomID)
    const options = checkFlags(config, SET_FLAGS, { isForce: false, isDeleteAfterOwnerLeft: false, isUpdateOwner: false })
    checkRoomAttributeSizes(roomAttributes)
    const session = this.requireSession()
    const room = this.requireRoom(session, roomID)
    const batch = room.attributeBatch
    const pending = batch?.entries ?? []
    const plan = room.attributes.planSet(roomAttributes, session.userID, batch?.options ?? options, pending)
    checkRoomAttributeTotals(room.attributes.roomAfter(pending), room.attributes.roomAfter(pending, plan.entries))
    return this.applyRoomAttributes(session, room, plan)
  }

  /** Deletes room attributes; the same ownership rule and errors as setRoomAttributes. Keys that do not exist are already deleted. */
  async deleteRoomAttributes (keys: string[], roomID: string, config?: Partial<ZIMRoomAttributesDeleteConfig>): Promise<ZIMRoomAttributesOperatedResult> {
    checkKeyList(keys)
    checkRoomID(roomID)
    const { isForce } = checkFlags(config, ['isForce'] as const, { isForce: false })
    const session = this.requireSession()
    const room = this.requireRoom(session, roomID)
    const batch = room.attributeBatch
    const plan = room.attributes.planDelete(keys, session.userID, batch?.options.isForce ?? isForce, batch?.entries)
    return this.applyRoomAttributes(session, room, plan)
  }

  private async applyRoomAttributes (session: Session, room: Room, plan: Plan<RoomAttribute>): Promise<ZIMRoomAttributesOperatedResult> {
    const roomID = room.roomID
    if (plan.entries.length === 0 && plan.errorKeys.length > 0) {
      throw zimError(ZIMErrorCode.RoomModuleRoomAttributesOperationFailedCompletely, `every key is owned by another user (use isForce): ${plan.errorKeys.join(', ')}`)
    }
    if (room.attributeBatch != null) {
      room.attributeBatch.entries.push(...plan.entries)
    } else if (plan.entries.length > 0) {
      await session.rooms.publishAttributes(room, plan.entries, [], false)
    }
    return { roomID, errorKeys: plan.errorKeys }
  }

  /** Collects the room's attribute changes until endRoomAttributesBatchOperation sends them as one. */
  beginRoomAttributesBatchOperation (roomID: string, config?: Partial<ZIMRoomAttributesBatchOperationConfig>): void {
    checkRoomID(roomID)
    const options = checkFlags(config, SET_FLAGS, { isForce: false, isDeleteAfterOwnerLeft: false, isUpdateOwner: false })
    const room = this.requireRoom(this.requireSession(), roomID)
    if (room.attributeBatch != null) throw zimError(ZIMErrorCode.CommonModuleParamsInvalid, `a batch is already open in room ${roomID}`)
    room.attributeBatch = { options, entries: [] }
  }

  /** Sends the batch's changes as one frame; members report them with roomAttributesBatchUpdated. */
  async endRoomAttributesBatchOperation (roomID: string): Promise<ZIMRoomAttributesBatchOperatedResult> {
    checkRoomID(roomID)
    const session = this.requireSession()
    const room = this.requireRoom(session, roomID)
    const batch = room.attributeBatch
    if (batch == null) throw zimError(ZIMErrorCode.CommonModuleParamsInvalid, `no batch is open in room ${roomID}`)
    room.attributeBatch = undefined
    // a key changed twice in the batch ends as its last change
    const entries = [...new Map(batch.entries.map(e => [e.key, e])).values()]
    if (entries.length > 0) await session.rooms.publishAttributes(room, entries, [], true)
    return { roomID }
  }

  async queryRoomAllAttributes (roomID: string): Promise<ZIMRoomAttributesQueriedResult> {
    checkRoomID(roomID)
    const room = this.requireRoom(this.requireSession(), roomID)
    return { roomID, roomAttributes: room.attributes.values() }
  }

  // ---------------------------------------------------------------- room member attributes

  /**
   * Sets `attributes` on each member of `userIDs` (ourselves included);
   * users not in the room come back in errorUserList. isDeleteAfterOwnerLeft
   * (default true) drops a member's attributes when it leaves.
   */
  async setRoomMembersAttributes (attributes: Record<string, string>, userIDs: string[], roomID: string, config?: Partial<ZIMRoomMemberAttributesSetConfig>): Promise<ZIMRoomMembersAttributesOperatedResult> {
    checkAttributeMap(attributes, 'attributes')
    checkUserIDList(userIDs, LIMITS.memberAttributesUserIDs)
    checkRoomID(roomID)
    const { isDeleteAfterOwnerLeft } = checkFlags(config, ['isDeleteAfterOwnerLeft'] as const, { isDeleteAfterOwnerLeft: true })
    checkMemberAttributes(attributes)
    const session = this.requireSession()
    const room = this.requireRoom(session, roomID)
    const targets: string[] = []
    const errorUserList: string[] = []
    for (const userID of new Set(userIDs)) {
      if (userID === session.userID || room.members.has(userID)) {
        checkMemberAttributes(attributes, new Map([...Object.entries(room.attributes.memberValues(userID)), ...Object.entries(attributes)]))
        targets.push(userID)
      } else {
        errorUserList.push(userID)
      }
    }
    // an attribute that goes with its member belongs to the member's current session
    const sessionOf = (userID: string): bigint => (userID === session.userID ? room.session : room.members.get(userID)?.session) ?? 0n
    const entries = targets.flatMap(userID => Object.entries(attributes).map(([key, value]) => ({ userID, key, value, deleteAfterOwnerLeft: isDeleteAfterOwnerLeft, ownerSession: isDeleteAfterOwnerLeft ? sessionOf(userID) : 0n })))
    // one frame stays well under the envelope limit
    for (let i = 0; i < entries.length; i += MEMBER_ENTRIES_PER_FRAME) {
      await session.rooms.publishAttributes(room, [], entries.slice(i, i + MEMBER_ENTRIES_PER_FRAME), false)
    }
    const infos = targets.map(userID => ({ attributesInfo: { userID, attributes: room.attributes.memberValues(userID) }, errorKeys: [] }))
    return { roomID, infos, errorUserList }
  }

  /** The attributes of each user of `userIDs` that is in the room (ourselves included). */
  async queryRoomMembersAttributes (userIDs: string[], roomID: string): Promise<ZIMRoomMembersAttributesQueriedResult> {
    checkUserIDList(userIDs, LIMITS.memberAttributesUserIDs)
    checkRoomID(roomID)
    const session = this.requireSession()
    const room = this.requireRoom(session, roomID)
    const infos = [...new Set(userIDs)]
      .filter(userID => userID === session.userID || room.members.has(userID))
      .map(userID => ({ userID, attributes: room.attributes.memberValues(userID) }))
    return { roomID, infos }
  }

  /** Pages through the members that have attributes, by userID; nextFlag '' means the last page. */
  async queryRoomMemberAttributesList (roomID: string, config: ZIMRoomMemberAttributesQueryConfig): Promise<ZIMRoomMemberAttributesListQueriedResult> {
    checkRoomID(roomID)
    const { nextFlag, count } = checkPageConfig(config)
    if (count < 1) return { roomID, infos: [], nextFlag: '' }
    const session = this.requireSession()
    const room = this.requireRoom(session, roomID)
    const pageSize = Math.min(Math.floor(count), LIMITS.memberPageSize)
    const holders = room.attributes.membersWithAttributes()
      .filter(userID => (userID === session.userID || room.members.has(userID)) && (nextFlag === '' || userID > nextFlag))
    const page = holders.slice(0, pageSize)
    return {
      roomID,
      infos: page.map(userID => ({ userID, attributes: room.attributes.memberValues(userID) })),
      nextFlag: holders.length > pageSize ? page[page.length - 1] : ''
    }
  }

  // ---------------------------------------------------------------- messages

  async sendMessage (message: ZIMMessage | ZIMRoomMessage, toConversationID: string, conversationType: ZIMConversationType, config?: ZIMMessageSendConfig, notification?: ZIMMessageSendNotification): Promise<ZIMMessageSentResult> {
    if (conversationType !== ZIMConversationType.Room) {
      throw zimError(ZIMErrorCode.CommonModuleParamsInvalid, 'roomsub sends room messages only (conversationType 1)')
    }
    checkRoomID(toConversationID)
    checkRoomMessage(message)
    checkPriority(config)
    if (notification != null && typeof notification !== 'object') {
      throw zimError(ZIMErrorCode.CommonModuleParamsInvalid, 'notification must be an object')
    }
    const session = this.requireSession()
    const room = this.requireRoom(session, toConversationID)
    const m = message as ZIMRoomMessage
    const localMessageID = String(++localMessageCounter)
    const sending: ZIMMessage = {
      ...m,
      localMessageID,
      senderUserID: session.userID,
      conversationID: toConversationID,
      conversationType: ZIMConversationType.Room,
      direction: ZIMMessageDirection.Send,
      sentStatus: ZIMMessageSentStatus.Sending
    }
    notification?.onMessageAttached?.(sending)
    const fields: Omit<ChatMessage, 'seq' | 'timestamp' | 'orderKey' | 'userID'> = {
      type: m.type,
      text: m.type === ZIMMessageType.Command ? '' : m.message,
      data: (m.type === ZIMMessageType.Command ? m.message : new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
      subType: m.type === ZIMMessageType.Custom ? m.subType : 0,
      searchedContent: m.type === ZIMMessageType.Custom ? m.searchedContent ?? '' : '',
      extendedData: m.extendedData ?? '',
      priority: config?.priority ?? 1
    }
    const sent = await session.rooms.send(room, fields)
    return { message: { ...sending, ...sent, sentStatus: ZIMMessageSentStatus.Success } }
  }

  /**
   * One page of a room's recent messages: what this node keeps plus what a few connected members
   * return, deduplicated, ascending by orderKey. `reverse: true` starts at the newest and pages
   * toward older ones (next page: `nextMessage = messageList[0]`); `reverse: false` starts at the
   * oldest kept and pages toward newer ones (next: the last message). An empty page is the end.
   * Only what members present now still keep can come back (no server).
   */
  async queryHistoryMessage (conversationID: string, conversationType: ZIMConversationType, config: ZIMMessageQueryConfig): Promise<ZIMMessageQueriedResult> {
    if (conversationType !== ZIMConversationType.Room) {
      throw zimError(ZIMErrorCode.CommonModuleParamsInvalid, 'roomsub keeps room history only (conversationType 1)')
    }
    checkRoomID(conversationID)
    const page = checkHistoryQuery(config)
    const session = this.requireSession()
    const room = this.requireRoom(session, conversationID)
    const messageList = await session.rooms.queryHistory(room, page)
    return { conversationID, conversationType: ZIMConversationType.Room, messageList }
  }

  /** @deprecated since ZIM 2.13: use sendMessage with ZIMConversationType.Room */
  async sendRoomMessage (message: ZIMMessage | ZIMRoomMessage, toRoomID: string, config?: ZIMMessageSendConfig): Promise<ZIMMessageSentResult> {
    return this.sendMessage(message, toRoomID, ZIMConversationType.Room, config)
  }
}

const SET_FLAGS = ['isForce', 'isDeleteAfterOwnerLeft', 'isUpdateOwner'] as const
/** member attribute entries per frame: 300 of at most about 110 bytes each stay well under the envelope limit */
const MEMBER_ENTRIES_PER_FRAME = 300

function enterOptions (roomInfo: ZIMRoomInfo, config?: ZIMRoomAdvancedConfig): EnterOptions {
  return { roomName: roomInfo.roomName ?? '', destroyDelay: config?.roomDestroyDelayTime ?? 0, roomAttributes: config?.roomAttributes }
}

function fullInfo (room: Room): ZIMRoomFullInfo {
  return { baseInfo: { roomID: room.roomID, roomName: room.roomName } }
}

export { ZIMError }
