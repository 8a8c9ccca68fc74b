import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { ZIM, ZIMConnectionEvent, ZIMConnectionState, ZIMErrorCode, roomsubServices } from '../src/index.js'
import { EventLog, FAST, freshAppID, rejectsWith, startPeers, stopPeers, text, waitUntil } from './helpers.js'
import type { RoomsubNode } from '../src/index.js'

describe('login and lifecycle', () => {
  it('rejects room calls before login with 6000121 and bad IDs with 6000001', async () => {
    const zim = ZIM.create({ appID: freshAppID(), ...FAST })
    await rejectsWith(zim.createRoom({ roomID: 'r', roomName: 'r' }), ZIMErrorCode.NetworkModuleUserIsNotLogged)
    await rejectsWith(zim.joinRoom('r'), ZIMErrorCode.NetworkModuleUserIsNotLogged)
    await rejectsWith(zim.sendMessage({ type: 1, message: 'x' } as never, 'r', 1, { priority: 1 }), ZIMErrorCode.NetworkModuleUserIsNotLogged)
    await rejectsWith(zim.login('', {}), ZIMErrorCode.CommonModuleParamsInvalid)
    await rejectsWith(zim.login('has space', {}), ZIMErrorCode.CommonModuleParamsInvalid)
    await rejectsWith(zim.login('x'.repeat(33), {}), ZIMErrorCode.CommonModuleParamsInvalid)
    await rejectsWith(zim.login('ok', { userName: 'n'.repeat(257) }), ZIMErrorCode.CommonModuleParamsInvalid)
    assert.equal(zim.libp2p, undefined, 'a rejected login starts no node')
    await zim.destroy()
  })

  it('ZIM.create checks the appID, accepts a bare number, and getInstance returns the newest instance', async () => {
    assert.throws(() => ZIM.create(0), (err: Error & { code: number }) => err.code === ZIMErrorCode.CommonModuleParamsInvalid)
    assert.throws(() => ZIM.create({ appID: -3 }), (err: Error & { code: number }) => err.code === ZIMErrorCode.CommonModuleParamsInvalid)
    // appIDs travel as uint32, as ZIM's do
    assert.throws(() => ZIM.create({ appID: 2 ** 32 }), (err: Error & { code: number }) => err.code === ZIMErrorCode.CommonModuleParamsInvalid)
    const zim = ZIM.create(freshAppID())
    assert.equal(ZIM.getInstance(), zim)
    await zim.destroy()
    assert.equal(ZIM.getInstance(), null)
  })

  it('reports connection states, refuses a second login with 6000111, and logout stops the node', async () => {
    const zim = ZIM.create({ appID: freshAppID(), ...FAST })
    const events = new EventLog(zim)
    await zim.login({ userID: 'old-style', userName: 'Old Style' }, '')
    assert.deepEqual(events.connectionStates.map(s => [s.state, s.event]), [
      [ZIMConnectionState.Connecting, ZIMConnectionEvent.ActiveLogin],
      [ZIMConnectionState.Connected, ZIMConnectionEvent.Success]
    ])
    const node = zim.libp2p
    assert.ok(node != null && node.status === 'started')
    assert.ok(node.getMultiaddrs().length > 0)
    await rejectsWith(zim.login('again', {}), ZIMErrorCode.NetworkModuleUserHasAlreadyLogged)
    await zim.logout()
    assert.equal(node.status, 'stopped')
    assert.deepEqual(events.connectionStates.at(-1), { state: ZIMConnectionState.Disconnected, event: ZIMConnectionEvent.Success, extendedData: '' })
    await rejectsWith(zim.createRoom({ roomID: 'r', roomName: '' }), ZIMErrorCode.NetworkModuleUserIsNotLogged)
    await zim.destroy()
  })

  it('a node that stops under a logged-in session ends it with Disconnected/LoginInterrupted', async () => {
    const zim = ZIM.create({ appID: freshAppID(), ...FAST })
    const events = new EventLog(zim)
    await zim.login('stopped-under', {})
    await zim.createRoom({ roomID: 'r', roomName: '' })
    await zim.libp2p?.stop()
    await events.waitFor('the session ends', () => events.connectionStates.some(s => s.state === ZIMConnectionState.Disconnected && s.event === ZIMConnectionEvent.LoginInterrupted))
    await rejectsWith(zim.sendMessage(text('anyone?'), 'r', 1, { priority: 1 }), ZIMErrorCode.NetworkModuleUserIsNotLogged)
    await zim.destroy()
  })

  it('on replaces the listener for a type, off removes it, listeners get (zim, data)', async () => {
    const zim = ZIM.create({ appID: freshAppID(), ...FAST })
    const seen: string[] = []
    zim.on('connectionStateChanged', () => { seen.push('first') })
    zim.on('connectionStateChanged', (z, data) => { assert.equal(z, zim); seen.push(`second:${data.state}`) })
    await zim.login('u', {})
    assert.deepEqual(seen, ['second:1', 'second:2'])
    zim.off('connectionStateChanged')
    await zim.logout()
    assert.deepEqual(seen, ['second:1', 'second:2'])
    await zim.destroy()
  })

  it('fails login with 6000105 when no bootstrap peer answers before loginTimeout', async () => {
    const zim = ZIM.create({ appID: freshAppID(), ...FAST, loginTimeout: 500, bootstrap: ['/ip4/127.0.0.1/tcp/1/p2p/12D3KooWJck3QiFK6gcUUhKZZkhg2zPs47xsVpGWoSKCeY2qoEqd'] })
    const events = new EventLog(zim)
    await rejectsWith(zim.login('lonely', {}), ZIMErrorCode.NetworkModuleRequestTimeout)
    assert.deepEqual(events.connectionStates.at(-1)?.event, ZIMConnectionEvent.LoginTimeout)
    assert.equal(zim.libp2p, undefined)
    await zim.destroy()
  })

  it('many bootstrapping peers at once all get in (connection threshold raised, dials retried)', async () => {
    const [hub] = await startPeers(1)
    const appID = freshAppID()
    const zims = Array.from({ length: 8 }, () => ZIM.create({ appID, ...FAST, bootstrap: [hub.addr] }))
    try {
      await Promise.all(zims.map(async (z, i) => z.login(`p${i}`, {})))
      for (const z of zims) assert.ok((z.libp2p?.getPeers().length ?? 0) >= 1)
    } finally {
      await Promise.all(zims.map(async z => z.destroy()))
      await stopPeers([hub])
    }
  })

  it('uses an app-built libp2p node and never stops it', async () => {
    const appID = freshAppID()
    const privateKey = await generateKeyPair('Ed25519')
    const node = await createLibp2p({
      privateKey,
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify(), ping: ping(), ...roomsubServices(appID) }
    }) as unknown as RoomsubNode
    const zim = ZIM.create({ appID, ...FAST, libp2p: node, privateKey })
    await zim.login('app-node', {})
    assert.equal(zim.libp2p, node)
    await zim.createRoom({ roomID: 'own-node', roomName: '' })
    await zim.logout()
    assert.equal(node.status, 'started')
    await node.stop()
    await zim.destroy()

    const other = await generateKeyPair('Ed25519')
    const wrongKey = ZIM.create({ appID, ...FAST, libp2p: node, privateKey: other })
    await rejectsWith(wrongKey.login('x', {}), ZIMErrorCode.CommonModuleParamsInvalid)
    await wrongKey.destroy()
  })
})

describe('the package', () => {
  it('exports the built library under its own name', async () => {
    const pkg = await import('roomsub')
    assert.equal(typeof pkg.ZIM.create, 'function')
    assert.equal(pkg.ZIMErrorCode.RoomModuleTheRoomDoesNotExist, 6000322)
    assert.equal(pkg.ZIMMessageType.Barrage, 20)
  })
})

describe('nothing leaks', () => {
  it('after destroy, no socket or timer of roomsub is left in the process', async () => {
    const count = (kind: string): number => process.getActiveResourcesInfo().filter(r => r === kind).length
    const before = { sockets: count('TCPSocketWrap'), servers: count('TCPServerWrap'), timers: count('Timeout') }
    const peers = await startPeers(3)
    await peers[0].zim.createRoom({ roomID: 'leak', roomName: '' })
    await peers[1].zim.joinRoom('leak')
    await peers[2].zim.joinRoom('leak')
    await peers[1].zim.sendMessage({ type: 1, message: 'x' }, 'leak', 1, { priority: 1 })
    assert.ok(count('TCPServerWrap') > before.servers)
    await stopPeers(peers)
    await waitUntil('sockets and timers are gone', () =>
      count('TCPSocketWrap') <= before.sockets && count('TCPServerWrap') <= before.servers && count('Timeout') <= before.timers + 1, 5000)
  })
})
