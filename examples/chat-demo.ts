/**
 * Three peers in one process: alice creates a room, bob and carol join it,
 * everyone chats, then everyone leaves. Run it with `npm run demo`.
 * Each peer is a full libp2p node on 127.0.0.1; there is no server.
 */
import { ZIM, ZIMConversationType, ZIMMessageType } from '../src/index.js'
import type { ZIMMessage } from '../src/index.js'

const appID = 424242
const roomID = 'demo-room'

async function peer (userID: string, bootstrap: string[]): Promise<ZIM> {
  const zim = ZIM.create({ appID, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap })
  zim.on('roomMemberJoined', (_z, { roomID, memberList }) => {
    console.log(`[${userID}] ${memberList.map(u => u.userName).join(', ')} joined ${roomID}`)
  })
  zim.on('roomMemberLeft', (_z, { roomID, memberList }) => {
    console.log(`[${userID}] ${memberList.map(u => u.userName).join(', ')} left ${roomID}`)
  })
  zim.on('roomMessageReceived', (_z, { messageList }) => {
    for (const m of messageList) {
      console.log(`[${userID}] ${m.senderUserID}: ${(m as ZIMMessage & { message: string }).message}`)
    }
  })
  await zim.login(userID, { userName: userID[0].toUpperCase() + userID.slice(1), token: '' })
  return zim
}

async function say (zim: ZIM, text: string): Promise<void> {
  await zim.sendMessage({ type: ZIMMessageType.Text, message: text }, roomID, ZIMConversationType.Room, { priority: 1 })
}

const alice = await peer('alice', [])
const aliceAddr = alice.libp2p?.getMultiaddrs()[0].toString() ?? ''
console.log(`alice listens on ${aliceAddr}`)

const { roomInfo } = await alice.createRoom({ roomID, roomName: 'Demo Room' })
console.log(`alice created "${roomInfo.baseInfo.roomName}"`)

const bob = await peer('bob', [aliceAddr])
const carol = await peer('carol', [aliceAddr])
await bob.joinRoom(roomID)
await carol.enterRoom({ roomID, roomName: 'ignored: the room exists' })
const { memberList } = await carol.queryRoomMemberList(roomID, { nextFlag: '', count: 100 })
console.log(`carol sees ${memberList.map(m => m.userID).join(', ')} in the room`)

const allHeard = Promise.race([
  Promise.all([alice, bob, carol].map(async zim => new Promise<void>(resolve => {
    let count = 0
    zim.on('receiveRoomMessage', (_z, { messageList }) => {
      count += messageList.length
      if (count >= 2) resolve()
    })
  }))),
  new Promise(resolve => setTimeout(resolve, 2000).unref())
])

await say(alice, 'hello from alice')
await say(bob, 'hi alice, bob here')
await say(carol, 'carol says hi to both')

// each peer has the two messages of the others (or two seconds passed): leave
await allHeard

await carol.leaveRoom(roomID)
await bob.leaveRoom(roomID)
await Promise.all([carol.destroy(), bob.destroy()])
await alice.destroy()
console.log('everyone left; the room lapses now that it is empty')
