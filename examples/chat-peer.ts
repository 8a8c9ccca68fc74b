/**
 * One chat peer per terminal: `node build/examples/chat-peer.js <userID> <roomID> [bootstrap-multiaddr]`.
 * The first peer (no bootstrap) prints its address; start the others with
 * it. Lines you type are sent to the room; Ctrl-D leaves and exits.
 */
import { createInterface } from 'node:readline'
import { ZIM, ZIMConversationType, ZIMMessageType } from '../src/index.js'
import type { ZIMMessage } from '../src/index.js'

const [userID, roomID, bootstrap] = process.argv.slice(2)
if (userID == null || roomID == null) {
  console.error('usage: chat-peer <userID> <roomID> [bootstrap-multiaddr]')
  process.exit(2)
}

// loopback only, for a demo on one machine; listen on '/ip4/0.0.0.0/tcp/0' to chat across a LAN
const zim = ZIM.create({ appID: 424242, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: bootstrap != null ? [bootstrap] : [] })
zim.on('roomMemberJoined', (_z, { memberList }) => { console.log(`* ${memberList.map(u => u.userID).join(', ')} joined`) })
zim.on('roomMemberLeft', (_z, { memberList }) => { console.log(`* ${memberList.map(u => u.userID).join(', ')} left`) })
zim.on('roomMessageReceived', (_z, { messageList }) => {
  for (const m of messageList) console.log(`<${m.senderUserID}> ${(m as ZIMMessage & { message: string }).message}`)
})

await zim.login(userID, { userName: userID })
for (const addr of zim.libp2p?.getMultiaddrs() ?? []) console.log(`listening on ${addr.toString()}`)
const { roomInfo } = await zim.enterRoom({ roomID, roomName: roomID })
const { memberList } = await zim.queryRoomMemberList(roomID, { nextFlag: '', count: 100 })
console.log(`in "${roomInfo.baseInfo.roomName}" with ${memberList.map(m => m.userID).join(', ')}`)

const input = createInterface({ input: process.stdin })
input.on('line', line => {
  if (line.trim() === '') return
  zim.sendMessage({ type: ZIMMessageType.Text, message: line }, roomID, ZIMConversationType.Room, { priority: 1 })
    .catch((err: { code: number, message: string }) => { console.log(`! not sent (${err.code}): ${err.message}`) })
})
input.on('close', () => {
  void zim.destroy().then(() => process.exit(0))
})
