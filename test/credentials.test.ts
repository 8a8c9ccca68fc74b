/**
 * Apps with an authority: login needs a token it issued for this user and
 * this peer, and members refuse peers without one.
 */
import assert from 'node:assert/strict'
import { describe, it, before, after } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ZIM, ZIMConnectionEvent, ZIMConnectionState, ZIMErrorCode, createAuthority, issueToken } from '../src/index.js'
import { roomTopic } from '../src/rooms/topics.js'
import { EventLog, FAST, Forger, freshAppID, rejectsWith, startAttacker, stopPeers, text, waitUntil } from './helpers.js'
import type { Peer } from './helpers.js'
import type { PrivateKey } from '@libp2p/interface'

const HOUR = 3600_000

/** A peer of an app with an authority: its key is made first, so the token can name its peer id. */
async function startAuthorized (userID: string, appID: number, authority: { publicKey: string, privateKey: string }, bootstrap: string[] = [], expiresAt = Date.now() + HOUR): Promise<Peer> {
  const key = await generateKeyPair('Ed25519')
  const token = issueToken(authority.privateKey, { appID, userID, peerId: peerIdFromPrivateKey(key).toString(), expiresAt })
  const zim = ZIM.create({ appID, ...FAST, authority: authority.publicKey, privateKey: key, bootstrap })
  const events = new EventLog(zim)
  await zim.login(userID, { userName: userID, token })
  const node = zim.libp2p!
  return { appID, zim, userID, events, node, peerId: node.peerId, addr: node.getMultiaddrs()[0].toString() }
}

async function loginWith (appID: number, publicKey: string, key: PrivateKey, userID: string, token: string): Promise<ZIM> {
  const zim = ZIM.create({ appID, ...FAST, authority: publicKey, privateKey: key })
  try {
    await zim.login(userID, { userName: userID, token })
    return zim
  } catch (err) {
    await zim.destroy()
    throw err
  }
}

describe('credentials', () => {
  const authority = createAuthority()
  const appID = freshAppID()
  const peers: Peer[] = []
  before(async () => {
    peers.push(await startAuthorized('alice', appID, authority))
    peers.push(await startAuthorized('bob', appID, authority, [peers[0].addr]))
    await peers[0].zim.createRoom({ roomID: 'members-only', roomName: '' })
    await peers[1].zim.joinRoom('members-only')
  })
  after(async () => { await stopPeers(peers) })

  it('login refuses a missing, forged, foreign or mismatched token with 6000103, and an expired one with 6000106', async () => {
    const key = await generateKeyPair('Ed25519')
    const peerId = peerIdFromPrivateKey(key).toString()
    const good = { appID, userID: 'carol', peerId, expiresAt: Date.now() + HOUR }
    const other = createAuthority()
    const otherKey = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    await rejectsWith(loginWith(appID, authority.publicKey, key, 'carol', ''), ZIMErrorCode.NetworkModuleTokenInvalid)
    await rejectsWith(loginWith(appID, authority.publicKey, key, 'carol', 'not a token!'), ZIMErrorCode.NetworkModuleTokenInvalid)
    await rejectsWith(loginWith(appID, authority.publicKey, key, 'carol', issueToken(other.privateKey, good)), ZIMErrorCode.NetworkModuleTokenInvalid)
    await rejectsWith(loginWith(appID, authority.publicKey, key, 'carol', issueToken(authority.privateKey, { ...good, appID: appID + 1 })), ZIMErrorCode.NetworkModuleTokenInvalid)
    await rejectsWith(loginWith(appID, authority.publicKey, key, 'carol', issueToken(authority.privateKey, { ...good, userID: 'dave' })), ZIMErrorCode.NetworkModuleTokenInvalid)
    await rejectsWith(loginWith(appID, authority.publicKey, key, 'carol', issueToken(authority.privateKey, { ...good, peerId: otherKey })), ZIMErrorCode.NetworkModuleTokenInvalid)
    const tampered = issueToken(authority.privateKey, good)
    await rejectsWith(loginWith(appID, authority.publicKey, key, 'carol', tampered.slice(0, -4) + (tampered.endsWith('AAAA') ? 'BBBB' : 'AAAA')), ZIMErrorCode.NetworkModuleTokenInvalid)
    await rejectsWith(loginWith(appID, authority.publicKey, key, 'carol', issueToken(authority.privateKey, { ...good, expiresAt: Date.now() - 1 })), ZIMErrorCode.NetworkModuleTokenExpired)
    const zim = await loginWith(appID, authority.publicKey, key, 'carol', issueToken(authority.privateKey, good))
    await zim.destroy()
  })

  it('a bad authority key or bad claims are parameter errors (6000001)', () => {
    assert.throws(() => ZIM.create({ appID, authority: 'short' }), (err: Error & { code: number }) => err.code === ZIMErrorCode.CommonModuleParamsInvalid)
    assert.throws(() => issueToken(authority.privateKey, { appID, userID: 'x', peerId: 'not-a-peer', expiresAt: 1 }), (err: Error & { code: number }) => err.code === ZIMErrorCode.CommonModuleParamsInvalid)
  })

  it('members refuse announcements and messages from a peer without a valid token', async () => {
    const [alice, bob] = peers
    const topic = roomTopic(appID, 'members-only')
    const attacker = await startAttacker(alice, topic)
    try {
      const forger = new Forger(appID, attacker.key)
      const attackerId = attacker.node.peerId.toString()
      const before = alice.zim.frameStats().unauthorized ?? 0
      const ignoredBefore = alice.zim.frameStats()['message-ignored'] ?? 0
      // no token; a token for another user; a token for another peer (bob's, replayed); an expired one
      const tokens = [
        new Uint8Array(0),
        Buffer.from(issueToken(authority.privateKey, { appID, userID: 'someone-else', peerId: attackerId, expiresAt: Date.now() + HOUR }), 'base64url'),
        Buffer.from(issueToken(authority.privateKey, { appID, userID: 'mallory', peerId: bob.peerId.toString(), expiresAt: Date.now() + HOUR }), 'base64url'),
        Buffer.from(issueToken(authority.privateKey, { appID, userID: 'mallory', peerId: attackerId, expiresAt: Date.now() - 1000 }), 'base64url')
      ]
      for (const [i, token] of tokens.entries()) {
        await attacker.node.services.pubsub.publish(topic, await forger.seal(forger.announcement('members-only', 'mallory', { seq: BigInt(i + 1), token: token as Uint8Array<ArrayBuffer> })))
      }
      await attacker.node.services.pubsub.publish(topic, await forger.seal(forger.message('members-only', 'mallory', 1n, 'no entry')))
      await waitUntil('alice refused the four announcements', () => (alice.zim.frameStats().unauthorized ?? 0) - before >= 4)
      await waitUntil('and dropped the message of a peer that never got in', () => (alice.zim.frameStats()['message-ignored'] ?? 0) - ignoredBefore >= 1)
      assert.deepEqual(alice.events.joinedUsers('members-only'), ['bob'])
      assert.deepEqual(alice.events.textsFrom('mallory'), [])
      // a properly issued token lets the same raw peer in: the check is the token, not the software
      const valid = Buffer.from(issueToken(authority.privateKey, { appID, userID: 'mallory', peerId: attackerId, expiresAt: Date.now() + HOUR }), 'base64url')
      await attacker.node.services.pubsub.publish(topic, await forger.seal(forger.announcement('members-only', 'mallory', { seq: 10n, token: valid as Uint8Array<ArrayBuffer> })))
      await alice.events.waitFor('alice admits the authorized peer', () => alice.events.joinedUsers('members-only').includes('mallory'))
      await bob.zim.sendMessage(text('room still fine'), 'members-only', 1, { priority: 1 })
      await alice.events.waitFor('bob still reaches alice', () => alice.events.textsFrom('bob').includes('room still fine'))
    } finally {
      await attacker.node.stop()
    }
  })

  it('a peer whose token expires is logged out with TokenExpired', async () => {
    const [alice] = peers
    const shortLived = await startAuthorized('erin', appID, authority, [alice.addr], Date.now() + 1500)
    try {
      await shortLived.zim.joinRoom('members-only')
      await shortLived.events.waitFor('erin is logged out when her token expires', () => shortLived.events.connectionStates.some(s => s.state === ZIMConnectionState.Disconnected && s.event === ZIMConnectionEvent.TokenExpired), 5000)
      await alice.events.waitFor('alice sees erin leave', () => alice.events.leftUsers('members-only').includes('erin'))
    } finally {
      await stopPeers([shortLived])
    }
  })
})
