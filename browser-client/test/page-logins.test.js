// Issue 14, items 8 and 9 on the page's side: the top-level prompt=none fallback when the iframe sees no Keycloak session
// (once per tab, no loop), and the authorization response's parameters removed from the address.
import assert from 'node:assert/strict'
import { beforeEach, test } from 'node:test'
import { PageLogins } from '../src/page-logins.js'
import { cleanPath, resetTopLevelAttempt } from '../src/page-state.js'

/** sessionStorage and localStorage as a browser tab has them */
function storage () {
  const map = new Map()
  return { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => map.set(k, String(v)), removeItem: (k) => map.delete(k) }
}

beforeEach(() => {
  Object.assign(globalThis, { sessionStorage: storage(), localStorage: storage(), location: new URL('https://app.test/page?x=1') })
})

function fakeLink () {
  const calls = []
  return {
    calls,
    ownerAddress: null,
    call: async (type, payload) => {
      calls.push({ type, payload })
      if (type === 'begin-login') return { url: `https://kc.test/auth?prompt=none&state=s${calls.length}&silent=${payload.silent}` }
      if (type === 'callback') return { handled: true, loggedIn: false, error: 'login_required' }
      return null
    }
  }
}

test('login_required in the iframe: one top-level prompt=none redirect per tab, then the login screen', async () => {
  const link = fakeLink()
  const navigations = []
  const logins = new PageLogins({
    link: /** @type {any} */ (link), clientId: 'demo-spa', redirectUri: 'https://app.test/', log: () => {},
    navigate: (url) => navigations.push(url),
    runSilent: async (url) => ({ href: `https://app.test/silent-callback.html?error=login_required&state=${new URL(url).searchParams.get('state')}&iss=x` })
  })
  const first = await Promise.race([logins.silent('new tab'), new Promise((resolve) => setTimeout(() => resolve('leaving'), 50))])
  assert.equal(first, 'leaving', 'the page leaves for the redirect')
  assert.equal(navigations.length, 1)
  assert.match(navigations[0], /prompt=none/)
  assert.equal(link.calls.filter((c) => c.type === 'begin-login').at(-1)?.payload.silent, false, 'a top-level request')

  // back from the redirect (Keycloak still says login_required): no second redirect, the login screen shows
  assert.equal(await logins.silent('new tab'), 'no-session') // Keycloak answered: no session to use without the user
  assert.equal(navigations.length, 1, 'no loop')

  // once a session was installed again, a later loss may try again
  resetTopLevelAttempt('demo-spa')
  await logins.forOwner('https://kc.test/auth?state=z', 'z')
  assert.equal(navigations.length, 2)
})

test('an iframe that answers with a code needs no redirect', async () => {
  const link = fakeLink()
  const navigations = []
  const logins = new PageLogins({
    link: /** @type {any} */ (link), clientId: 'demo-spa', redirectUri: 'https://app.test/', log: () => {},
    navigate: (url) => navigations.push(url),
    runSilent: async () => ({ href: 'https://app.test/silent-callback.html?code=c&state=s1&iss=x' })
  })
  await logins.silent('new tab')
  assert.equal(navigations.length, 0)
  assert.ok(link.calls.some((c) => c.type === 'callback'))
})

test('code, state and the other response parameters leave the address; a foreign returnTo is not followed', () => {
  const here = new URL('https://app.test/app?code=c&state=s&session_state=x&iss=i&keep=1#h')
  assert.equal(cleanPath(null, here), '/app?keep=1#h')
  assert.equal(cleanPath('/back?state=s', here), '/back')
  assert.equal(cleanPath('//evil.test/x', here), '/app?keep=1#h')
  assert.equal(cleanPath('https://evil.test/', here), '/app?keep=1#h')
})

test('item 6, per-tab owners: a logout tells the other tabs it was a logout, and they pass that on when they check', async () => {
  /** @type {Set<any>} */
  const channels = new Set()
  const Channel = class {
    constructor (name) { this.name = name; this.onmessage = null; channels.add(this) }
    postMessage (data) { for (const c of channels) if (c !== this && c.name === this.name) c.onmessage?.({ data: structuredClone(data) }) }
    close () { channels.delete(this) }
  }
  const saved = globalThis.BroadcastChannel
  globalThis.BroadcastChannel = /** @type {any} */ (Channel)
  try {
    const here = fakeLink()
    const there = fakeLink()
    const make = (link) => new PageLogins({ link: /** @type {any} */ (link), clientId: 'demo-spa', redirectUri: 'https://app.test/', log: () => {} })
    const leaving = make(here)
    const staying = make(there)
    leaving.listenToPeers({ loggedIn: () => false, loggingOut: () => true })
    staying.listenToPeers({ loggedIn: () => true, loggingOut: () => false })
    leaving.tellPeers('session-ended', 'logged_out')
    assert.deepEqual(there.calls.map((c) => [c.type, c.payload.hint]), [['verify', 'logged_out']])
  } finally {
    globalThis.BroadcastChannel = saved
  }
})
