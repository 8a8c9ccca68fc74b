import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Envelope {
  body: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace Envelope {
  let _codec: Codec<Envelope>

  export const codec = (): Codec<Envelope> => {
    if (_codec == null) {
      _codec = message<Envelope>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.body != null && obj.body.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.body)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          body: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.body = reader.bytes()
              break
            }
            case 2: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.body`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface EnvelopeBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EnvelopeSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Envelope>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Envelope.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Envelope>): Envelope {
    return decodeMessage(buf, Envelope.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Envelope>): Generator<EnvelopeBodyFieldEvent | EnvelopeSignatureFieldEvent> {
    return streamMessage(buf, Envelope.codec(), opts)
  }
}

export interface Frame {
  from: Uint8Array<ArrayBuffer>
  roomID: string
  session: bigint
  announcement?: Announcement
  message?: ChatMessage
  attributes?: AttributeUpdate
  direct?: DirectFanout
}

export namespace Frame {
  let _codec: Codec<Frame>

  export const codec = (): Codec<Frame> => {
    if (_codec == null) {
      _codec = message<Frame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.from != null && obj.from.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.from)
        }

        if ((obj.roomID != null && obj.roomID !== '')) {
          w.uint32(18)
          w.string(obj.roomID)
        }

        if ((obj.session != null && obj.session !== 0n)) {
          w.uint32(24)
          w.uint64(obj.session)
        }

        if (obj.announcement != null) {
          w.uint32(34)
          Announcement.codec().encode(obj.announcement, w)
        }

        if (obj.message != null) {
          w.uint32(42)
          ChatMessage.codec().encode(obj.message, w)
        }

        if (obj.attributes != null) {
          w.uint32(50)
          AttributeUpdate.codec().encode(obj.attributes, w)
        }

        if (obj.direct != null) {
          w.uint32(58)
          DirectFanout.codec().encode(obj.direct, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          from: uint8ArrayAlloc(0),
          roomID: '',
          session: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.from = reader.bytes()
              break
            }
            case 2: {
              obj.roomID = reader.string()
              break
            }
            case 3: {
              obj.session = reader.uint64()
              break
            }
            case 4: {
              obj.announcement = Announcement.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.announcement
              })
              break
            }
            case 5: {
              obj.message = ChatMessage.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.message
              })
              break
            }
            case 6: {
              obj.attributes = AttributeUpdate.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.attributes
              })
              break
            }
            case 7: {
              obj.direct = DirectFanout.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.direct
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.from`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.roomID`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.session`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield * Announcement.codec().stream(reader, reader.uint32(), `${prefix}.announcement`, {
                limits: opts.limits?.announcement
              })

              break
            }
            case 5: {
              yield * ChatMessage.codec().stream(reader, reader.uint32(), `${prefix}.message`, {
                limits: opts.limits?.message
              })

              break
            }
            case 6: {
              yield * AttributeUpdate.codec().stream(reader, reader.uint32(), `${prefix}.attributes`, {
                limits: opts.limits?.attributes
              })

              break
            }
            case 7: {
              yield * DirectFanout.codec().stream(reader, reader.uint32(), `${prefix}.direct`, {
                limits: opts.limits?.direct
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface FrameFromFieldEvent {
    field: '$.from'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameRoomIDFieldEvent {
    field: '$.roomID'
    value: string
  }

  export interface FrameSessionFieldEvent {
    field: '$.session'
    value: bigint
  }

  export interface FrameAnnouncementKindFieldEvent {
    field: '$.announcement.kind'
    value: Announcement.Kind
  }

  export interface FrameAnnouncementSeqFieldEvent {
    field: '$.announcement.seq'
    value: bigint
  }

  export interface FrameAnnouncementUserIDFieldEvent {
    field: '$.announcement.userID'
    value: string
  }

  export interface FrameAnnouncementUserNameFieldEvent {
    field: '$.announcement.userName'
    value: string
  }

  export interface FrameAnnouncementMsgSeqFieldEvent {
    field: '$.announcement.msgSeq'
    value: bigint
  }

  export interface FrameAnnouncementTimestampFieldEvent {
    field: '$.announcement.timestamp'
    value: bigint
  }

  export interface FrameAnnouncementAddrsFieldEvent {
    field: '$.announcement.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameAnnouncementGenerationCreatorFieldEvent {
    field: '$.announcement.generation.creator'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameAnnouncementGenerationCreatedAtFieldEvent {
    field: '$.announcement.generation.createdAt'
    value: bigint
  }

  export interface FrameAnnouncementRoomNameFieldEvent {
    field: '$.announcement.roomName'
    value: string
  }

  export interface FrameAnnouncementDestroyDelayFieldEvent {
    field: '$.announcement.destroyDelay'
    value: number
  }

  export interface FrameAnnouncementGoneUserIDFieldEvent {
    field: '$.announcement.goneUserID'
    value: string
  }

  export interface FrameAnnouncementGoneSessionFieldEvent {
    field: '$.announcement.goneSession'
    value: bigint
  }

  export interface FrameAnnouncementTokenFieldEvent {
    field: '$.announcement.token'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameAnnouncementAttributesDigestFieldEvent {
    field: '$.announcement.attributesDigest'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameMessageSeqFieldEvent {
    field: '$.message.seq'
    value: bigint
  }

  export interface FrameMessageTimestampFieldEvent {
    field: '$.message.timestamp'
    value: bigint
  }

  export interface FrameMessageOrderKeyFieldEvent {
    field: '$.message.orderKey'
    value: bigint
  }

  export interface FrameMessageTypeFieldEvent {
    field: '$.message.type'
    value: number
  }

  export interface FrameMessageUserIDFieldEvent {
    field: '$.message.userID'
    value: string
  }

  export interface FrameMessageTextFieldEvent {
    field: '$.message.text'
    value: string
  }

  export interface FrameMessageDataFieldEvent {
    field: '$.message.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameMessageSubTypeFieldEvent {
    field: '$.message.subType'
    value: number
  }

  export interface FrameMessageSearchedContentFieldEvent {
    field: '$.message.searchedContent'
    value: string
  }

  export interface FrameMessageExtendedDataFieldEvent {
    field: '$.message.extendedData'
    value: string
  }

  export interface FrameMessagePriorityFieldEvent {
    field: '$.message.priority'
    value: number
  }

  export interface FrameAttributesClockFieldEvent {
    field: '$.attributes.clock'
    value: bigint
  }

  export interface FrameAttributesRoomKeyFieldEvent {
    field: '$.attributes.room[].key'
    value: string
    index: number
  }

  export interface FrameAttributesRoomValueFieldEvent {
    field: '$.attributes.room[].value'
    value: string
    index: number
  }

  export interface FrameAttributesRoomDeletedFieldEvent {
    field: '$.attributes.room[].deleted'
    value: boolean
    index: number
  }

  export interface FrameAttributesRoomOwnerFieldEvent {
    field: '$.attributes.room[].owner'
    value: string
    index: number
  }

  export interface FrameAttributesRoomDeleteAfterOwnerLeftFieldEvent {
    field: '$.attributes.room[].deleteAfterOwnerLeft'
    value: boolean
    index: number
  }

  export interface FrameAttributesRoomOwnerSessionFieldEvent {
    field: '$.attributes.room[].ownerSession'
    value: bigint
    index: number
  }

  export interface FrameAttributesMembersUserIDFieldEvent {
    field: '$.attributes.members[].userID'
    value: string
    index: number
  }

  export interface FrameAttributesMembersKeyFieldEvent {
    field: '$.attributes.members[].key'
    value: string
    index: number
  }

  export interface FrameAttributesMembersValueFieldEvent {
    field: '$.attributes.members[].value'
    value: string
    index: number
  }

  export interface FrameAttributesMembersDeleteAfterOwnerLeftFieldEvent {
    field: '$.attributes.members[].deleteAfterOwnerLeft'
    value: boolean
    index: number
  }

  export interface FrameAttributesMembersOwnerSessionFieldEvent {
    field: '$.attributes.members[].ownerSession'
    value: bigint
    index: number
  }

  export interface FrameAttributesBatchFieldEvent {
    field: '$.attributes.batch'
    value: boolean
  }

  export interface FrameDirectUnreachedFieldEvent {
    field: '$.direct.unreached[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Frame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Frame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Frame>): Frame {
    return decodeMessage(buf, Frame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Frame>): Generator<FrameFromFieldEvent | FrameRoomIDFieldEvent | FrameSessionFieldEvent | FrameAnnouncementKindFieldEvent | FrameAnnouncementSeqFieldEvent | FrameAnnouncementUserIDFieldEvent | FrameAnnouncementUserNameFieldEvent | FrameAnnouncementMsgSeqFieldEvent | FrameAnnouncementTimestampFieldEvent | FrameAnnouncementAddrsFieldEvent | FrameAnnouncementGenerationCreatorFieldEvent | FrameAnnouncementGenerationCreatedAtFieldEvent | FrameAnnouncementRoomNameFieldEvent | FrameAnnouncementDestroyDelayFieldEvent | FrameAnnouncementGoneUserIDFieldEvent | FrameAnnouncementGoneSessionFieldEvent | FrameAnnouncementTokenFieldEvent | FrameAnnouncementAttributesDigestFieldEvent | FrameMessageSeqFieldEvent | FrameMessageTimestampFieldEvent | FrameMessageOrderKeyFieldEvent | FrameMessageTypeFieldEvent | FrameMessageUserIDFieldEvent | FrameMessageTextFieldEvent | FrameMessageDataFieldEvent | FrameMessageSubTypeFieldEvent | FrameMessageSearchedContentFieldEvent | FrameMessageExtendedDataFieldEvent | FrameMessagePriorityFieldEvent | FrameAttributesClockFieldEvent | FrameAttributesRoomKeyFieldEvent | FrameAttributesRoomValueFieldEvent | FrameAttributesRoomDeletedFieldEvent | FrameAttributesRoomOwnerFieldEvent | FrameAttributesRoomDeleteAfterOwnerLeftFieldEvent | FrameAttributesRoomOwnerSessionFieldEvent | FrameAttributesMembersUserIDFieldEvent | FrameAttributesMembersKeyFieldEvent | FrameAttributesMembersValueFieldEvent | FrameAttributesMembersDeleteAfterOwnerLeftFieldEvent | FrameAttributesMembersOwnerSessionFieldEvent | FrameAttributesBatchFieldEvent | FrameDirectUnreachedFieldEvent> {
    return streamMessage(buf, Frame.codec(), opts)
  }
}

export interface DirectFanout {
  unreached: Uint8Array<ArrayBuffer>[]
}

export namespace DirectFanout {
  let _codec: Codec<DirectFanout>

  export const codec = (): Codec<DirectFanout> => {
    if (_codec == null) {
      _codec = message<DirectFanout>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.unreached != null && obj.unreached.length > 0) {
          for (const value of obj.unreached) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          unreached: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.unreached != null && obj.unreached.length === opts.limits.unreached) {
                throw new MaxLengthError('Decode error - repeated field "unreached" had too many elements')
              }

              obj.unreached.push(reader.bytes())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          unreached: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.unreached != null && obj.unreached === opts.limits.unreached) {
                throw new MaxLengthError('Streaming decode error - repeated field "unreached" had too many elements')
              }

              yield {
                field: `${prefix}.unreached[]`,
                index: obj.unreached,
                value: reader.bytes()
              }

              obj.unreached++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DirectFanoutUnreachedFieldEvent {
    field: '$.unreached[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<DirectFanout>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DirectFanout.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DirectFanout>): DirectFanout {
    return decodeMessage(buf, DirectFanout.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DirectFanout>): Generator<DirectFanoutUnreachedFieldEvent> {
    return streamMessage(buf, DirectFanout.codec(), opts)
  }
}

export interface DirectFrame {
  roomID: string
  envelope: Uint8Array<ArrayBuffer>
  body: Uint8Array<ArrayBuffer>
  seals: Seal[]
}

export namespace DirectFrame {
  let _codec: Codec<DirectFrame>

  export const codec = (): Codec<DirectFrame> => {
    if (_codec == null) {
      _codec = message<DirectFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.roomID != null && obj.roomID !== '')) {
          w.uint32(10)
          w.string(obj.roomID)
        }

        if ((obj.envelope != null && obj.envelope.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.envelope)
        }

        if ((obj.body != null && obj.body.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.body)
        }

        if (obj.seals != null && obj.seals.length > 0) {
          for (const value of obj.seals) {
            w.uint32(34)
            Seal.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          roomID: '',
          envelope: uint8ArrayAlloc(0),
          body: uint8ArrayAlloc(0),
          seals: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.roomID = reader.string()
              break
            }
            case 2: {
              obj.envelope = reader.bytes()
              break
            }
            case 3: {
              obj.body = reader.bytes()
              break
            }
            case 4: {
              if (opts.limits?.seals != null && obj.seals.length === opts.limits.seals) {
                throw new MaxLengthError('Decode error - repeated field "seals" had too many elements')
              }

              obj.seals.push(Seal.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.seals$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          seals: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.roomID`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.envelope`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.body`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              if (opts.limits?.seals != null && obj.seals === opts.limits.seals) {
                throw new MaxLengthError('Streaming decode error - repeated field "seals" had too many elements')
              }

              for (const evt of Seal.codec().stream(reader, reader.uint32(), `${prefix}.seals[]`, {
                limits: opts.limits?.seals$
              })) {
                yield {
                  ...evt,
                  index: obj.seals
                }
              }

              obj.seals++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DirectFrameRoomIDFieldEvent {
    field: '$.roomID'
    value: string
  }

  export interface DirectFrameEnvelopeFieldEvent {
    field: '$.envelope'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DirectFrameBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DirectFrameSealsSessionFieldEvent {
    field: '$.seals[].session'
    value: bigint
    index: number
  }

  export interface DirectFrameSealsSeqFieldEvent {
    field: '$.seals[].seq'
    value: bigint
    index: number
  }

  export interface DirectFrameSealsSignatureFieldEvent {
    field: '$.seals[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<DirectFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DirectFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DirectFrame>): DirectFrame {
    return decodeMessage(buf, DirectFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DirectFrame>): Generator<DirectFrameRoomIDFieldEvent | DirectFrameEnvelopeFieldEvent | DirectFrameBodyFieldEvent | DirectFrameSealsSessionFieldEvent | DirectFrameSealsSeqFieldEvent | DirectFrameSealsSignatureFieldEvent> {
    return streamMessage(buf, DirectFrame.codec(), opts)
  }
}

export interface Seal {
  session: bigint
  seq: bigint
  signature: Uint8Array<ArrayBuffer>
}

export namespace Seal {
  let _codec: Codec<Seal>

  export const codec = (): Codec<Seal> => {
    if (_codec == null) {
      _codec = message<Seal>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.session != null && obj.session !== 0n)) {
          w.uint32(8)
          w.uint64(obj.session)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(16)
          w.uint64(obj.seq)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          session: 0n,
          seq: 0n,
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.session = reader.uint64()
              break
            }
            case 2: {
              obj.seq = reader.uint64()
              break
            }
            case 3: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.session`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SealSessionFieldEvent {
    field: '$.session'
    value: bigint
  }

  export interface SealSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface SealSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Seal>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Seal.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Seal>): Seal {
    return decodeMessage(buf, Seal.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Seal>): Generator<SealSessionFieldEvent | SealSeqFieldEvent | SealSignatureFieldEvent> {
    return streamMessage(buf, Seal.codec(), opts)
  }
}

export interface RoomGeneration {
  creator: Uint8Array<ArrayBuffer>
  createdAt: bigint
}

export namespace RoomGeneration {
  let _codec: Codec<RoomGeneration>

  export const codec = (): Codec<RoomGeneration> => {
    if (_codec == null) {
      _codec = message<RoomGeneration>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.creator != null && obj.creator.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.creator)
        }

        if ((obj.createdAt != null && obj.createdAt !== 0n)) {
          w.uint32(16)
          w.uint64(obj.createdAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          creator: uint8ArrayAlloc(0),
          createdAt: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.creator = reader.bytes()
              break
            }
            case 2: {
              obj.createdAt = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.creator`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.createdAt`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RoomGenerationCreatorFieldEvent {
    field: '$.creator'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoomGenerationCreatedAtFieldEvent {
    field: '$.createdAt'
    value: bigint
  }

  export function encode (obj: Partial<RoomGeneration>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RoomGeneration.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomGeneration>): RoomGeneration {
    return decodeMessage(buf, RoomGeneration.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomGeneration>): Generator<RoomGenerationCreatorFieldEvent | RoomGenerationCreatedAtFieldEvent> {
    return streamMessage(buf, RoomGeneration.codec(), opts)
  }
}

export interface Announcement {
  kind: Announcement.Kind
  seq: bigint
  userID: string
  userName: string
  msgSeq: bigint
  timestamp: bigint
  addrs: Uint8Array<ArrayBuffer>[]
  generation?: RoomGeneration
  roomName: string
  destroyDelay: number
  goneUserID: string
  goneSession: bigint
  token: Uint8Array<ArrayBuffer>
  attributesDigest: Uint8Array<ArrayBuffer>
}

export namespace Announcement {
  export enum Kind {
    JOIN = 'JOIN',
    HEARTBEAT = 'HEARTBEAT',
    LEAVE = 'LEAVE',
    ANSWER = 'ANSWER',
    GONE = 'GONE'
  }

  enum __KindValues {
    JOIN = 0,
    HEARTBEAT = 1,
    LEAVE = 2,
    ANSWER = 3,
    GONE = 4
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<Announcement>

  export const codec = (): Codec<Announcement> => {
    if (_codec == null) {
      _codec = message<Announcement>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(8)
          Announcement.Kind.codec().encode(obj.kind, w)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(16)
          w.uint64(obj.seq)
        }

        if ((obj.userID != null && obj.userID !== '')) {
          w.uint32(26)
          w.string(obj.userID)
        }

        if ((obj.userName != null && obj.userName !== '')) {
          w.uint32(34)
          w.string(obj.userName)
        }

        if ((obj.msgSeq != null && obj.msgSeq !== 0n)) {
          w.uint32(40)
          w.uint64(obj.msgSeq)
        }

        if ((obj.timestamp != null && obj.timestamp !== 0n)) {
          w.uint32(48)
          w.uint64(obj.timestamp)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(58)
            w.bytes(value)
          }
        }

        if (obj.generation != null) {
          w.uint32(66)
          RoomGeneration.codec().encode(obj.generation, w)
        }

        if ((obj.roomName != null && obj.roomName !== '')) {
          w.uint32(74)
          w.string(obj.roomName)
        }

        if ((obj.destroyDelay != null && obj.destroyDelay !== 0)) {
          w.uint32(80)
          w.uint32(obj.destroyDelay)
        }

        if ((obj.goneUserID != null && obj.goneUserID !== '')) {
          w.uint32(90)
          w.string(obj.goneUserID)
        }

        if ((obj.goneSession != null && obj.goneSession !== 0n)) {
          w.uint32(96)
          w.uint64(obj.goneSession)
        }

        if ((obj.token != null && obj.token.byteLength > 0)) {
          w.uint32(106)
          w.bytes(obj.token)
        }

        if ((obj.attributesDigest != null && obj.attributesDigest.byteLength > 0)) {
          w.uint32(114)
          w.bytes(obj.attributesDigest)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: Kind.JOIN,
          seq: 0n,
          userID: '',
          userName: '',
          msgSeq: 0n,
          timestamp: 0n,
          addrs: [],
          roomName: '',
          destroyDelay: 0,
          goneUserID: '',
          goneSession: 0n,
          token: uint8ArrayAlloc(0),
          attributesDigest: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = Announcement.Kind.codec().decode(reader)
              break
            }
            case 2: {
              obj.seq = reader.uint64()
              break
            }
            case 3: {
              obj.userID = reader.string()
              break
            }
            case 4: {
              obj.userName = reader.string()
              break
            }
            case 5: {
              obj.msgSeq = reader.uint64()
              break
            }
            case 6: {
              obj.timestamp = reader.uint64()
              break
            }
            case 7: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.bytes())
              break
            }
            case 8: {
              obj.generation = RoomGeneration.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.generation
              })
              break
            }
            case 9: {
              obj.roomName = reader.string()
              break
            }
            case 10: {
              obj.destroyDelay = reader.uint32()
              break
            }
            case 11: {
              obj.goneUserID = reader.string()
              break
            }
            case 12: {
              obj.goneSession = reader.uint64()
              break
            }
            case 13: {
              obj.token = reader.bytes()
              break
            }
            case 14: {
              obj.attributesDigest = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          addrs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.kind`,
                value: Announcement.Kind.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.userID`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.userName`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.msgSeq`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.timestamp`,
                value: reader.uint64()
              }
              break
            }
            case 7: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.bytes()
              }

              obj.addrs++

              break
            }
            case 8: {
              yield * RoomGeneration.codec().stream(reader, reader.uint32(), `${prefix}.generation`, {
                limits: opts.limits?.generation
              })

              break
            }
            case 9: {
              yield {
                field: `${prefix}.roomName`,
                value: reader.string()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.destroyDelay`,
                value: reader.uint32()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.goneUserID`,
                value: reader.string()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.goneSession`,
                value: reader.uint64()
              }
              break
            }
            case 13: {
              yield {
                field: `${prefix}.token`,
                value: reader.bytes()
              }
              break
            }
            case 14: {
              yield {
                field: `${prefix}.attributesDigest`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface AnnouncementKindFieldEvent {
    field: '$.kind'
    value: Announcement.Kind
  }

  export interface AnnouncementSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface AnnouncementUserIDFieldEvent {
    field: '$.userID'
    value: string
  }

  export interface AnnouncementUserNameFieldEvent {
    field: '$.userName'
    value: string
  }

  export interface AnnouncementMsgSeqFieldEvent {
    field: '$.msgSeq'
    value: bigint
  }

  export interface AnnouncementTimestampFieldEvent {
    field: '$.timestamp'
    value: bigint
  }

  export interface AnnouncementAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface AnnouncementGenerationCreatorFieldEvent {
    field: '$.generation.creator'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AnnouncementGenerationCreatedAtFieldEvent {
    field: '$.generation.createdAt'
    value: bigint
  }

  export interface AnnouncementRoomNameFieldEvent {
    field: '$.roomName'
    value: string
  }

  export interface AnnouncementDestroyDelayFieldEvent {
    field: '$.destroyDelay'
    value: number
  }

  export interface AnnouncementGoneUserIDFieldEvent {
    field: '$.goneUserID'
    value: string
  }

  export interface AnnouncementGoneSessionFieldEvent {
    field: '$.goneSession'
    value: bigint
  }

  export interface AnnouncementTokenFieldEvent {
    field: '$.token'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AnnouncementAttributesDigestFieldEvent {
    field: '$.attributesDigest'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Announcement>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Announcement.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Announcement>): Announcement {
    return decodeMessage(buf, Announcement.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Announcement>): Generator<AnnouncementKindFieldEvent | AnnouncementSeqFieldEvent | AnnouncementUserIDFieldEvent | AnnouncementUserNameFieldEvent | AnnouncementMsgSeqFieldEvent | AnnouncementTimestampFieldEvent | AnnouncementAddrsFieldEvent | AnnouncementGenerationCreatorFieldEvent | AnnouncementGenerationCreatedAtFieldEvent | AnnouncementRoomNameFieldEvent | AnnouncementDestroyDelayFieldEvent | AnnouncementGoneUserIDFieldEvent | AnnouncementGoneSessionFieldEvent | AnnouncementTokenFieldEvent | AnnouncementAttributesDigestFieldEvent> {
    return streamMessage(buf, Announcement.codec(), opts)
  }
}

export interface AuthToken {
  appID: number
  userID: string
  peerId: Uint8Array<ArrayBuffer>
  expiresAt: bigint
}

export namespace AuthToken {
  let _codec: Codec<AuthToken>

  export const codec = (): Codec<AuthToken> => {
    if (_codec == null) {
      _codec = message<AuthToken>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.appID != null && obj.appID !== 0)) {
          w.uint32(8)
          w.uint32(obj.appID)
        }

        if ((obj.userID != null && obj.userID !== '')) {
          w.uint32(18)
          w.string(obj.userID)
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.peerId)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
          w.uint32(32)
          w.uint64(obj.expiresAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          appID: 0,
          userID: '',
          peerId: uint8ArrayAlloc(0),
          expiresAt: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.appID = reader.uint32()
              break
            }
            case 2: {
              obj.userID = reader.string()
              break
            }
            case 3: {
              obj.peerId = reader.bytes()
              break
            }
            case 4: {
              obj.expiresAt = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.appID`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.userID`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.peerId`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.expiresAt`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface AuthTokenAppIDFieldEvent {
    field: '$.appID'
    value: number
  }

  export interface AuthTokenUserIDFieldEvent {
    field: '$.userID'
    value: string
  }

  export interface AuthTokenPeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AuthTokenExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: bigint
  }

  export function encode (obj: Partial<AuthToken>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AuthToken.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AuthToken>): AuthToken {
    return decodeMessage(buf, AuthToken.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AuthToken>): Generator<AuthTokenAppIDFieldEvent | AuthTokenUserIDFieldEvent | AuthTokenPeerIdFieldEvent | AuthTokenExpiresAtFieldEvent> {
    return streamMessage(buf, AuthToken.codec(), opts)
  }
}

export interface ChatMessage {
  seq: bigint
  timestamp: bigint
  orderKey: bigint
  type: number
  userID: string
  text: string
  data: Uint8Array<ArrayBuffer>
  subType: number
  searchedContent: string
  extendedData: string
  priority: number
}

export namespace ChatMessage {
  let _codec: Codec<ChatMessage>

  export const codec = (): Codec<ChatMessage> => {
    if (_codec == null) {
      _codec = message<ChatMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(8)
          w.uint64(obj.seq)
        }

        if ((obj.timestamp != null && obj.timestamp !== 0n)) {
          w.uint32(16)
          w.uint64(obj.timestamp)
        }

        if ((obj.orderKey != null && obj.orderKey !== 0n)) {
          w.uint32(24)
          w.uint64(obj.orderKey)
        }

        if ((obj.type != null && obj.type !== 0)) {
          w.uint32(32)
          w.uint32(obj.type)
        }

        if ((obj.userID != null && obj.userID !== '')) {
          w.uint32(42)
          w.string(obj.userID)
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(50)
          w.string(obj.text)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.data)
        }

        if ((obj.subType != null && obj.subType !== 0)) {
          w.uint32(64)
          w.uint32(obj.subType)
        }

        if ((obj.searchedContent != null && obj.searchedContent !== '')) {
          w.uint32(74)
          w.string(obj.searchedContent)
        }

        if ((obj.extendedData != null && obj.extendedData !== '')) {
          w.uint32(82)
          w.string(obj.extendedData)
        }

        if ((obj.priority != null && obj.priority !== 0)) {
          w.uint32(88)
          w.uint32(obj.priority)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          seq: 0n,
          timestamp: 0n,
          orderKey: 0n,
          type: 0,
          userID: '',
          text: '',
          data: uint8ArrayAlloc(0),
          subType: 0,
          searchedContent: '',
          extendedData: '',
          priority: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.seq = reader.uint64()
              break
            }
            case 2: {
              obj.timestamp = reader.uint64()
              break
            }
            case 3: {
              obj.orderKey = reader.uint64()
              break
            }
            case 4: {
              obj.type = reader.uint32()
              break
            }
            case 5: {
              obj.userID = reader.string()
              break
            }
            case 6: {
              obj.text = reader.string()
              break
            }
            case 7: {
              obj.data = reader.bytes()
              break
            }
            case 8: {
              obj.subType = reader.uint32()
              break
            }
            case 9: {
              obj.searchedContent = reader.string()
              break
            }
            case 10: {
              obj.extendedData = reader.string()
              break
            }
            case 11: {
              obj.priority = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.timestamp`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.orderKey`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.type`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.userID`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.subType`,
                value: reader.uint32()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.searchedContent`,
                value: reader.string()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.extendedData`,
                value: reader.string()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.priority`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChatMessageSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface ChatMessageTimestampFieldEvent {
    field: '$.timestamp'
    value: bigint
  }

  export interface ChatMessageOrderKeyFieldEvent {
    field: '$.orderKey'
    value: bigint
  }

  export interface ChatMessageTypeFieldEvent {
    field: '$.type'
    value: number
  }

  export interface ChatMessageUserIDFieldEvent {
    field: '$.userID'
    value: string
  }

  export interface ChatMessageTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface ChatMessageDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChatMessageSubTypeFieldEvent {
    field: '$.subType'
    value: number
  }

  export interface ChatMessageSearchedContentFieldEvent {
    field: '$.searchedContent'
    value: string
  }

  export interface ChatMessageExtendedDataFieldEvent {
    field: '$.extendedData'
    value: string
  }

  export interface ChatMessagePriorityFieldEvent {
    field: '$.priority'
    value: number
  }

  export function encode (obj: Partial<ChatMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChatMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatMessage>): ChatMessage {
    return decodeMessage(buf, ChatMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatMessage>): Generator<ChatMessageSeqFieldEvent | ChatMessageTimestampFieldEvent | ChatMessageOrderKeyFieldEvent | ChatMessageTypeFieldEvent | ChatMessageUserIDFieldEvent | ChatMessageTextFieldEvent | ChatMessageDataFieldEvent | ChatMessageSubTypeFieldEvent | ChatMessageSearchedContentFieldEvent | ChatMessageExtendedDataFieldEvent | ChatMessagePriorityFieldEvent> {
    return streamMessage(buf, ChatMessage.codec(), opts)
  }
}

export interface AttributeUpdate {
  clock: bigint
  room: RoomAttribute[]
  members: MemberAttribute[]
  batch: boolean
}

export namespace AttributeUpdate {
  let _codec: Codec<AttributeUpdate>

  export const codec = (): Codec<AttributeUpdate> => {
    if (_codec == null) {
      _codec = message<AttributeUpdate>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.clock != null && obj.clock !== 0n)) {
          w.uint32(8)
          w.uint64(obj.clock)
        }

        if (obj.room != null && obj.room.length > 0) {
          for (const value of obj.room) {
            w.uint32(18)
            RoomAttribute.codec().encode(value, w)
          }
        }

        if (obj.members != null && obj.members.length > 0) {
          for (const value of obj.members) {
            w.uint32(26)
            MemberAttribute.codec().encode(value, w)
          }
        }

        if ((obj.batch != null && obj.batch !== false)) {
          w.uint32(32)
          w.bool(obj.batch)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          clock: 0n,
          room: [],
          members: [],
          batch: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.clock = reader.uint64()
              break
            }
            case 2: {
              if (opts.limits?.room != null && obj.room.length === opts.limits.room) {
                throw new MaxLengthError('Decode error - repeated field "room" had too many elements')
              }

              obj.room.push(RoomAttribute.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.room$
              }))
              break
            }
            case 3: {
              if (opts.limits?.members != null && obj.members.length === opts.limits.members) {
                throw new MaxLengthError('Decode error - repeated field "members" had too many elements')
              }

              obj.members.push(MemberAttribute.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.members$
              }))
              break
            }
            case 4: {
              obj.batch = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          room: 0,
          members: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.clock`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              if (opts.limits?.room != null && obj.room === opts.limits.room) {
                throw new MaxLengthError('Streaming decode error - repeated field "room" had too many elements')
              }

              for (const evt of RoomAttribute.codec().stream(reader, reader.uint32(), `${prefix}.room[]`, {
                limits: opts.limits?.room$
              })) {
                yield {
                  ...evt,
                  index: obj.room
                }
              }

              obj.room++

              break
            }
            case 3: {
              if (opts.limits?.members != null && obj.members === opts.limits.members) {
                throw new MaxLengthError('Streaming decode error - repeated field "members" had too many elements')
              }

              for (const evt of MemberAttribute.codec().stream(reader, reader.uint32(), `${prefix}.members[]`, {
                limits: opts.limits?.members$
              })) {
                yield {
                  ...evt,
                  index: obj.members
                }
              }

              obj.members++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.batch`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface AttributeUpdateClockFieldEvent {
    field: '$.clock'
    value: bigint
  }

  export interface AttributeUpdateRoomKeyFieldEvent {
    field: '$.room[].key'
    value: string
    index: number
  }

  export interface AttributeUpdateRoomValueFieldEvent {
    field: '$.room[].value'
    value: string
    index: number
  }

  export interface AttributeUpdateRoomDeletedFieldEvent {
    field: '$.room[].deleted'
    value: boolean
    index: number
  }

  export interface AttributeUpdateRoomOwnerFieldEvent {
    field: '$.room[].owner'
    value: string
    index: number
  }

  export interface AttributeUpdateRoomDeleteAfterOwnerLeftFieldEvent {
    field: '$.room[].deleteAfterOwnerLeft'
    value: boolean
    index: number
  }

  export interface AttributeUpdateRoomOwnerSessionFieldEvent {
    field: '$.room[].ownerSession'
    value: bigint
    index: number
  }

  export interface AttributeUpdateMembersUserIDFieldEvent {
    field: '$.members[].userID'
    value: string
    index: number
  }

  export interface AttributeUpdateMembersKeyFieldEvent {
    field: '$.members[].key'
    value: string
    index: number
  }

  export interface AttributeUpdateMembersValueFieldEvent {
    field: '$.members[].value'
    value: string
    index: number
  }

  export interface AttributeUpdateMembersDeleteAfterOwnerLeftFieldEvent {
    field: '$.members[].deleteAfterOwnerLeft'
    value: boolean
    index: number
  }

  export interface AttributeUpdateMembersOwnerSessionFieldEvent {
    field: '$.members[].ownerSession'
    value: bigint
    index: number
  }

  export interface AttributeUpdateBatchFieldEvent {
    field: '$.batch'
    value: boolean
  }

  export function encode (obj: Partial<AttributeUpdate>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AttributeUpdate.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AttributeUpdate>): AttributeUpdate {
    return decodeMessage(buf, AttributeUpdate.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AttributeUpdate>): Generator<AttributeUpdateClockFieldEvent | AttributeUpdateRoomKeyFieldEvent | AttributeUpdateRoomValueFieldEvent | AttributeUpdateRoomDeletedFieldEvent | AttributeUpdateRoomOwnerFieldEvent | AttributeUpdateRoomDeleteAfterOwnerLeftFieldEvent | AttributeUpdateRoomOwnerSessionFieldEvent | AttributeUpdateMembersUserIDFieldEvent | AttributeUpdateMembersKeyFieldEvent | AttributeUpdateMembersValueFieldEvent | AttributeUpdateMembersDeleteAfterOwnerLeftFieldEvent | AttributeUpdateMembersOwnerSessionFieldEvent | AttributeUpdateBatchFieldEvent> {
    return streamMessage(buf, AttributeUpdate.codec(), opts)
  }
}

export interface RoomAttribute {
  key: string
  value: string
  deleted: boolean
  owner: string
  deleteAfterOwnerLeft: boolean
  ownerSession: bigint
}

export namespace RoomAttribute {
  let _codec: Codec<RoomAttribute>

  export const codec = (): Codec<RoomAttribute> => {
    if (_codec == null) {
      _codec = message<RoomAttribute>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.key != null && obj.key !== '')) {
          w.uint32(10)
          w.string(obj.key)
        }

        if ((obj.value != null && obj.value !== '')) {
          w.uint32(18)
          w.string(obj.value)
        }

        if ((obj.deleted != null && obj.deleted !== false)) {
          w.uint32(24)
          w.bool(obj.deleted)
        }

        if ((obj.owner != null && obj.owner !== '')) {
          w.uint32(34)
          w.string(obj.owner)
        }

        if ((obj.deleteAfterOwnerLeft != null && obj.deleteAfterOwnerLeft !== false)) {
          w.uint32(40)
          w.bool(obj.deleteAfterOwnerLeft)
        }

        if ((obj.ownerSession != null && obj.ownerSession !== 0n)) {
          w.uint32(48)
          w.uint64(obj.ownerSession)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          key: '',
          value: '',
          deleted: false,
          owner: '',
          deleteAfterOwnerLeft: false,
          ownerSession: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.key = reader.string()
              break
            }
            case 2: {
              obj.value = reader.string()
              break
            }
            case 3: {
              obj.deleted = reader.bool()
              break
            }
            case 4: {
              obj.owner = reader.string()
              break
            }
            case 5: {
              obj.deleteAfterOwnerLeft = reader.bool()
              break
            }
            case 6: {
              obj.ownerSession = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.key`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.value`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.deleted`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.owner`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.deleteAfterOwnerLeft`,
                value: reader.bool()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.ownerSession`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RoomAttributeKeyFieldEvent {
    field: '$.key'
    value: string
  }

  export interface RoomAttributeValueFieldEvent {
    field: '$.value'
    value: string
  }

  export interface RoomAttributeDeletedFieldEvent {
    field: '$.deleted'
    value: boolean
  }

  export interface RoomAttributeOwnerFieldEvent {
    field: '$.owner'
    value: string
  }

  export interface RoomAttributeDeleteAfterOwnerLeftFieldEvent {
    field: '$.deleteAfterOwnerLeft'
    value: boolean
  }

  export interface RoomAttributeOwnerSessionFieldEvent {
    field: '$.ownerSession'
    value: bigint
  }

  export function encode (obj: Partial<RoomAttribute>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RoomAttribute.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomAttribute>): RoomAttribute {
    return decodeMessage(buf, RoomAttribute.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomAttribute>): Generator<RoomAttributeKeyFieldEvent | RoomAttributeValueFieldEvent | RoomAttributeDeletedFieldEvent | RoomAttributeOwnerFieldEvent | RoomAttributeDeleteAfterOwnerLeftFieldEvent | RoomAttributeOwnerSessionFieldEvent> {
    return streamMessage(buf, RoomAttribute.codec(), opts)
  }
}

export interface MemberAttribute {
  userID: string
  key: string
  value: string
  deleteAfterOwnerLeft: boolean
  ownerSession: bigint
}

export namespace MemberAttribute {
  let _codec: Codec<MemberAttribute>

  export const codec = (): Codec<MemberAttribute> => {
    if (_codec == null) {
      _codec = message<MemberAttribute>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.userID != null && obj.userID !== '')) {
          w.uint32(10)
          w.string(obj.userID)
        }

        if ((obj.key != null && obj.key !== '')) {
          w.uint32(18)
          w.string(obj.key)
        }

        if ((obj.value != null && obj.value !== '')) {
          w.uint32(26)
          w.string(obj.value)
        }

        if ((obj.deleteAfterOwnerLeft != null && obj.deleteAfterOwnerLeft !== false)) {
          w.uint32(32)
          w.bool(obj.deleteAfterOwnerLeft)
        }

        if ((obj.ownerSession != null && obj.ownerSession !== 0n)) {
          w.uint32(40)
          w.uint64(obj.ownerSession)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          userID: '',
          key: '',
          value: '',
          deleteAfterOwnerLeft: false,
          ownerSession: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.userID = reader.string()
              break
            }
            case 2: {
              obj.key = reader.string()
              break
            }
            case 3: {
              obj.value = reader.string()
              break
            }
            case 4: {
              obj.deleteAfterOwnerLeft = reader.bool()
              break
            }
            case 5: {
              obj.ownerSession = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.userID`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.key`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.value`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.deleteAfterOwnerLeft`,
                value: reader.bool()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.ownerSession`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface MemberAttributeUserIDFieldEvent {
    field: '$.userID'
    value: string
  }

  export interface MemberAttributeKeyFieldEvent {
    field: '$.key'
    value: string
  }

  export interface MemberAttributeValueFieldEvent {
    field: '$.value'
    value: string
  }

  export interface MemberAttributeDeleteAfterOwnerLeftFieldEvent {
    field: '$.deleteAfterOwnerLeft'
    value: boolean
  }

  export interface MemberAttributeOwnerSessionFieldEvent {
    field: '$.ownerSession'
    value: bigint
  }

  export function encode (obj: Partial<MemberAttribute>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MemberAttribute.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MemberAttribute>): MemberAttribute {
    return decodeMessage(buf, MemberAttribute.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MemberAttribute>): Generator<MemberAttributeUserIDFieldEvent | MemberAttributeKeyFieldEvent | MemberAttributeValueFieldEvent | MemberAttributeDeleteAfterOwnerLeftFieldEvent | MemberAttributeOwnerSessionFieldEvent> {
    return streamMessage(buf, MemberAttribute.codec(), opts)
  }
}

export interface SnapshotRequest {
  roomID: string
}

export namespace SnapshotRequest {
  let _codec: Codec<SnapshotRequest>

  export const codec = (): Codec<SnapshotRequest> => {
    if (_codec == null) {
      _codec = message<SnapshotRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.roomID != null && obj.roomID !== '')) {
          w.uint32(10)
          w.string(obj.roomID)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          roomID: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.roomID = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.roomID`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SnapshotRequestRoomIDFieldEvent {
    field: '$.roomID'
    value: string
  }

  export function encode (obj: Partial<SnapshotRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SnapshotRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotRequest>): SnapshotRequest {
    return decodeMessage(buf, SnapshotRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotRequest>): Generator<SnapshotRequestRoomIDFieldEvent> {
    return streamMessage(buf, SnapshotRequest.codec(), opts)
  }
}

export interface SnapshotResponse {
  announcements: Uint8Array<ArrayBuffer>[]
  creation: Uint8Array<ArrayBuffer>
  attributes: Uint8Array<ArrayBuffer>[]
}

export namespace SnapshotResponse {
  let _codec: Codec<SnapshotResponse>

  export const codec = (): Codec<SnapshotResponse> => {
    if (_codec == null) {
      _codec = message<SnapshotResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.announcements != null && obj.announcements.length > 0) {
          for (const value of obj.announcements) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if ((obj.creation != null && obj.creation.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.creation)
        }

        if (obj.attributes != null && obj.attributes.length > 0) {
          for (const value of obj.attributes) {
            w.uint32(26)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          announcements: [],
          creation: uint8ArrayAlloc(0),
          attributes: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.announcements != null && obj.announcements.length === opts.limits.announcements) {
                throw new MaxLengthError('Decode error - repeated field "announcements" had too many elements')
              }

              obj.announcements.push(reader.bytes())
              break
            }
            case 2: {
              obj.creation = reader.bytes()
              break
            }
            case 3: {
              if (opts.limits?.attributes != null && obj.attributes.length === opts.limits.attributes) {
                throw new MaxLengthError('Decode error - repeated field "attributes" had too many elements')
              }

              obj.attributes.push(reader.bytes())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          announcements: 0,
          attributes: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.announcements != null && obj.announcements === opts.limits.announcements) {
                throw new MaxLengthError('Streaming decode error - repeated field "announcements" had too many elements')
              }

              yield {
                field: `${prefix}.announcements[]`,
                index: obj.announcements,
                value: reader.bytes()
              }

              obj.announcements++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.creation`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              if (opts.limits?.attributes != null && obj.attributes === opts.limits.attributes) {
                throw new MaxLengthError('Streaming decode error - repeated field "attributes" had too many elements')
              }

              yield {
                field: `${prefix}.attributes[]`,
                index: obj.attributes,
                value: reader.bytes()
              }

              obj.attributes++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SnapshotResponseAnnouncementsFieldEvent {
    field: '$.announcements[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface SnapshotResponseCreationFieldEvent {
    field: '$.creation'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SnapshotResponseAttributesFieldEvent {
    field: '$.attributes[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SnapshotResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SnapshotResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotResponse>): SnapshotResponse {
    return decodeMessage(buf, SnapshotResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotResponse>): Generator<SnapshotResponseAnnouncementsFieldEvent | SnapshotResponseCreationFieldEvent | SnapshotResponseAttributesFieldEvent> {
    return streamMessage(buf, SnapshotResponse.codec(), opts)
  }
}

export interface RoomCreation {
  roomID: string
  roomName: string
  generation?: RoomGeneration
  destroyDelay: number
}

export namespace RoomCreation {
  let _codec: Codec<RoomCreation>

  export const codec = (): Codec<RoomCreation> => {
    if (_codec == null) {
      _codec = message<RoomCreation>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.roomID != null && obj.roomID !== '')) {
          w.uint32(10)
          w.string(obj.roomID)
        }

        if ((obj.roomName != null && obj.roomName !== '')) {
          w.uint32(18)
          w.string(obj.roomName)
        }

        if (obj.generation != null) {
          w.uint32(26)
          RoomGeneration.codec().encode(obj.generation, w)
        }

        if ((obj.destroyDelay != null && obj.destroyDelay !== 0)) {
          w.uint32(32)
          w.uint32(obj.destroyDelay)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          roomID: '',
          roomName: '',
          destroyDelay: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.roomID = reader.string()
              break
            }
            case 2: {
              obj.roomName = reader.string()
              break
            }
            case 3: {
              obj.generation = RoomGeneration.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.generation
              })
              break
            }
            case 4: {
              obj.destroyDelay = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.roomID`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.roomName`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield * RoomGeneration.codec().stream(reader, reader.uint32(), `${prefix}.generation`, {
                limits: opts.limits?.generation
              })

              break
            }
            case 4: {
              yield {
                field: `${prefix}.destroyDelay`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RoomCreationRoomIDFieldEvent {
    field: '$.roomID'
    value: string
  }

  export interface RoomCreationRoomNameFieldEvent {
    field: '$.roomName'
    value: string
  }

  export interface RoomCreationGenerationCreatorFieldEvent {
    field: '$.generation.creator'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoomCreationGenerationCreatedAtFieldEvent {
    field: '$.generation.createdAt'
    value: bigint
  }

  export interface RoomCreationDestroyDelayFieldEvent {
    field: '$.destroyDelay'
    value: number
  }

  export function encode (obj: Partial<RoomCreation>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RoomCreation.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomCreation>): RoomCreation {
    return decodeMessage(buf, RoomCreation.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomCreation>): Generator<RoomCreationRoomIDFieldEvent | RoomCreationRoomNameFieldEvent | RoomCreationGenerationCreatorFieldEvent | RoomCreationGenerationCreatedAtFieldEvent | RoomCreationDestroyDelayFieldEvent> {
    return streamMessage(buf, RoomCreation.codec(), opts)
  }
}

export interface RoomRefresh {
  refresher: Uint8Array<ArrayBuffer>
  updatedAt: bigint
  expiresAt: bigint
  addrs: Uint8Array<ArrayBuffer>[]
  creationHash: Uint8Array<ArrayBuffer>
  vacant: boolean
}

export namespace RoomRefresh {
  let _codec: Codec<RoomRefresh>

  export const codec = (): Codec<RoomRefresh> => {
    if (_codec == null) {
      _codec = message<RoomRefresh>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.refresher != null && obj.refresher.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.refresher)
        }

        if ((obj.updatedAt != null && obj.updatedAt !== 0n)) {
          w.uint32(16)
          w.uint64(obj.updatedAt)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
          w.uint32(24)
          w.uint64(obj.expiresAt)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(34)
            w.bytes(value)
          }
        }

        if ((obj.creationHash != null && obj.creationHash.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.creationHash)
        }

        if ((obj.vacant != null && obj.vacant !== false)) {
          w.uint32(48)
          w.bool(obj.vacant)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          refresher: uint8ArrayAlloc(0),
          updatedAt: 0n,
          expiresAt: 0n,
          addrs: [],
          creationHash: uint8ArrayAlloc(0),
          vacant: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.refresher = reader.bytes()
              break
            }
            case 2: {
              obj.updatedAt = reader.uint64()
              break
            }
            case 3: {
              obj.expiresAt = reader.uint64()
              break
            }
            case 4: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.bytes())
              break
            }
            case 5: {
              obj.creationHash = reader.bytes()
              break
            }
            case 6: {
              obj.vacant = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          addrs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.refresher`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.updatedAt`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.expiresAt`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.bytes()
              }

              obj.addrs++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.creationHash`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.vacant`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RoomRefreshRefresherFieldEvent {
    field: '$.refresher'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoomRefreshUpdatedAtFieldEvent {
    field: '$.updatedAt'
    value: bigint
  }

  export interface RoomRefreshExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: bigint
  }

  export interface RoomRefreshAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoomRefreshCreationHashFieldEvent {
    field: '$.creationHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoomRefreshVacantFieldEvent {
    field: '$.vacant'
    value: boolean
  }

  export function encode (obj: Partial<RoomRefresh>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RoomRefresh.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomRefresh>): RoomRefresh {
    return decodeMessage(buf, RoomRefresh.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomRefresh>): Generator<RoomRefreshRefresherFieldEvent | RoomRefreshUpdatedAtFieldEvent | RoomRefreshExpiresAtFieldEvent | RoomRefreshAddrsFieldEvent | RoomRefreshCreationHashFieldEvent | RoomRefreshVacantFieldEvent> {
    return streamMessage(buf, RoomRefresh.codec(), opts)
  }
}

export interface RoomRecord {
  creation?: Envelope
  refresh?: Envelope
}

export namespace RoomRecord {
  let _codec: Codec<RoomRecord>

  export const codec = (): Codec<RoomRecord> => {
    if (_codec == null) {
      _codec = message<RoomRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.creation != null) {
          w.uint32(10)
          Envelope.codec().encode(obj.creation, w)
        }

        if (obj.refresh != null) {
          w.uint32(18)
          Envelope.codec().encode(obj.refresh, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.creation = Envelope.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.creation
              })
              break
            }
            case 2: {
              obj.refresh = Envelope.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.refresh
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * Envelope.codec().stream(reader, reader.uint32(), `${prefix}.creation`, {
                limits: opts.limits?.creation
              })

              break
            }
            case 2: {
              yield * Envelope.codec().stream(reader, reader.uint32(), `${prefix}.refresh`, {
                limits: opts.limits?.refresh
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RoomRecordCreationBodyFieldEvent {
    field: '$.creation.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoomRecordCreationSignatureFieldEvent {
    field: '$.creation.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoomRecordRefreshBodyFieldEvent {
    field: '$.refresh.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoomRecordRefreshSignatureFieldEvent {
    field: '$.refresh.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RoomRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RoomRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomRecord>): RoomRecord {
    return decodeMessage(buf, RoomRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomRecord>): Generator<RoomRecordCreationBodyFieldEvent | RoomRecordCreationSignatureFieldEvent | RoomRecordRefreshBodyFieldEvent | RoomRecordRefreshSignatureFieldEvent> {
    return streamMessage(buf, RoomRecord.codec(), opts)
  }
}

export interface HistoryRequest {
  roomID: string
  anchorOrderKey: bigint
  anchorMessageID: string
  older: boolean
  count: number
  messageIDs: string[]
}

export namespace HistoryRequest {
  let _codec: Codec<HistoryRequest>

  export const codec = (): Codec<HistoryRequest> => {
    if (_codec == null) {
      _codec = message<HistoryRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.roomID != null && obj.roomID !== '')) {
          w.uint32(10)
          w.string(obj.roomID)
        }

        if ((obj.anchorOrderKey != null && obj.anchorOrderKey !== 0n)) {
          w.uint32(16)
          w.uint64(obj.anchorOrderKey)
        }

        if ((obj.anchorMessageID != null && obj.anchorMessageID !== '')) {
          w.uint32(26)
          w.string(obj.anchorMessageID)
        }

        if ((obj.older != null && obj.older !== false)) {
          w.uint32(32)
          w.bool(obj.older)
        }

        if ((obj.count != null && obj.count !== 0)) {
          w.uint32(40)
          w.uint32(obj.count)
        }

        if (obj.messageIDs != null && obj.messageIDs.length > 0) {
          for (const value of obj.messageIDs) {
            w.uint32(50)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          roomID: '',
          anchorOrderKey: 0n,
          anchorMessageID: '',
          older: false,
          count: 0,
          messageIDs: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.roomID = reader.string()
              break
            }
            case 2: {
              obj.anchorOrderKey = reader.uint64()
              break
            }
            case 3: {
              obj.anchorMessageID = reader.string()
              break
            }
            case 4: {
              obj.older = reader.bool()
              break
            }
            case 5: {
              obj.count = reader.uint32()
              break
            }
            case 6: {
              if (opts.limits?.messageIDs != null && obj.messageIDs.length === opts.limits.messageIDs) {
                throw new MaxLengthError('Decode error - repeated field "messageIDs" had too many elements')
              }

              obj.messageIDs.push(reader.string())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          messageIDs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.roomID`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.anchorOrderKey`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.anchorMessageID`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.older`,
                value: reader.bool()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.count`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              if (opts.limits?.messageIDs != null && obj.messageIDs === opts.limits.messageIDs) {
                throw new MaxLengthError('Streaming decode error - repeated field "messageIDs" had too many elements')
              }

              yield {
                field: `${prefix}.messageIDs[]`,
                index: obj.messageIDs,
                value: reader.string()
              }

              obj.messageIDs++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface HistoryRequestRoomIDFieldEvent {
    field: '$.roomID'
    value: string
  }

  export interface HistoryRequestAnchorOrderKeyFieldEvent {
    field: '$.anchorOrderKey'
    value: bigint
  }

  export interface HistoryRequestAnchorMessageIDFieldEvent {
    field: '$.anchorMessageID'
    value: string
  }

  export interface HistoryRequestOlderFieldEvent {
    field: '$.older'
    value: boolean
  }

  export interface HistoryRequestCountFieldEvent {
    field: '$.count'
    value: number
  }

  export interface HistoryRequestMessageIDsFieldEvent {
    field: '$.messageIDs[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<HistoryRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HistoryRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HistoryRequest>): HistoryRequest {
    return decodeMessage(buf, HistoryRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HistoryRequest>): Generator<HistoryRequestRoomIDFieldEvent | HistoryRequestAnchorOrderKeyFieldEvent | HistoryRequestAnchorMessageIDFieldEvent | HistoryRequestOlderFieldEvent | HistoryRequestCountFieldEvent | HistoryRequestMessageIDsFieldEvent> {
    return streamMessage(buf, HistoryRequest.codec(), opts)
  }
}

export interface HistoryResponse {
  messages: Uint8Array<ArrayBuffer>[]
  notMember: boolean
}

export namespace HistoryResponse {
  let _codec: Codec<HistoryResponse>

  export const codec = (): Codec<HistoryResponse> => {
    if (_codec == null) {
      _codec = message<HistoryResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.messages != null && obj.messages.length > 0) {
          for (const value of obj.messages) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if ((obj.notMember != null && obj.notMember !== false)) {
          w.uint32(16)
          w.bool(obj.notMember)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          messages: [],
          notMember: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.messages != null && obj.messages.length === opts.limits.messages) {
                throw new MaxLengthError('Decode error - repeated field "messages" had too many elements')
              }

              obj.messages.push(reader.bytes())
              break
            }
            case 2: {
              obj.notMember = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          messages: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.messages != null && obj.messages === opts.limits.messages) {
                throw new MaxLengthError('Streaming decode error - repeated field "messages" had too many elements')
              }

              yield {
                field: `${prefix}.messages[]`,
                index: obj.messages,
                value: reader.bytes()
              }

              obj.messages++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.notMember`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface HistoryResponseMessagesFieldEvent {
    field: '$.messages[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface HistoryResponseNotMemberFieldEvent {
    field: '$.notMember'
    value: boolean
  }

  export function encode (obj: Partial<HistoryResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HistoryResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HistoryResponse>): HistoryResponse {
    return decodeMessage(buf, HistoryResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HistoryResponse>): Generator<HistoryResponseMessagesFieldEvent | HistoryResponseNotMemberFieldEvent> {
    return streamMessage(buf, HistoryResponse.codec(), opts)
  }
}
