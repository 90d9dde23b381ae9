// Issue 14, item 9: the silent-callback page answers only the token owner's own pending login. Another script of the origin
// that frames silent-callback.html with a prompt=none request of its own (its own state and PKCE verifier) and listens
// for messages must not receive the code; the owner's own silent login must still work, without the framing page ever
// seeing a code. The page's script is run as a browser would: its globals set, the module evaluated.
import assert from 'node:assert/strict'
import { mock, test } from 'node:test'
import { SilentRefreshClient } from '../src/client.js'
import { FakeKeycloak, ISSUER } from './helpers/fake-keycloak.js'
import { openPorts } from './helpers/fake-browser.js'
import { eventually, flush, logIn, settle, startOwner } from './helpers/owner-harness.js'
import { makeOwner } from './helpers/make-owner.js'
import { APP, CLIENT_OPTIONS, installTab, SharedWorkers } from './helpers/fake-page-env.js'

const OWNER_NAME = 'silent-refresh:demo-spa'
let evaluations = 0

/**
 * Evaluates silent-callback.js in a frame whose URL is `href`, framed by `parent`, named `frameName`.
 * @param {{ href: string, frameName?: string, SharedWorker?: unknown }} frame
 */
async function runCallbackPage (frame) {
  const posted = []
  const parent = { postMessage: (data, origin) => posted.push({ data: structuredClone(data), origin }) }
  const url = new URL(frame.href)
  const saved = { window: globalThis.window, location: globalThis.location, history: globalThis.history, SharedWorker: globalThis.SharedWorker }
  Object.assign(globalThis, {
    window: { parent, name: frame.frameName ?? '' },
    location: { href: url.href, origin: url.origin, pathname: url.pathname },
    history: { replaceState () {} },
    SharedWorker: frame.SharedWorker
  })
  try {
    await import(`../src/silent-callback.js?frame=${++evaluations}`)
  } finally {
    Object.assign(globalThis, saved)
  }
  return posted
}

/** A SharedWorker class whose instances all reach `owner` (the one the tabs configured). */
function sharedWorkerFor (owner, connected = []) {
  return class {
    constructor (url, options) {
      const channel = new MessageChannel()
      openPorts.push(channel.port1, channel.port2)
      connected.push({ url: String(url), name: options?.name })
      this.port = channel.port1
      owner.connect(channel.port2)
    }
  }
}

const intruderAnswer = (code) => `${APP}/silent-callback.html?state=intruder-1&session_state=s&iss=${encodeURIComponent(ISSUER)}&code=${code}`

test('item 9: a script framing silent-callback.html with its own prompt=none request gets no code (unnamed frame)', async (t) => {
  const h = await startOwner()
  t.after(() => { h.clock.dispose(); for (const p of openPorts.splice(0)) p.close() })
  await logIn(h)
  const code = h.server.issueCode('intruder-nonce')
  const posted = await runCallbackPage({ href: intruderAnswer(code), SharedWorker: sharedWorkerFor(h.owner) })
  await settle(Promise.resolve(), h.clock)
  assert.ok(!JSON.stringify(posted).includes(code), `the framing page received the code: ${JSON.stringify(posted)}`)
})

test('item 9: naming the frame after the real owner does not help: the owner takes only a state it has pending', async (t) => {
  const h = await startOwner()
  t.after(() => { h.clock.dispose(); for (const p of openPorts.splice(0)) p.close() })
  await logIn(h)
  const exchangesBefore = h.server.codeExchanges
  const code = h.server.issueCode('intruder-nonce')
  const connected = []
  const frameName = 'silent-refresh-owner:' + JSON.stringify({ workerUrl: `${APP}/js/owner-worker.js`, name: OWNER_NAME })
  const posted = await runCallbackPage({ href: intruderAnswer(code), frameName, SharedWorker: sharedWorkerFor(h.owner, connected) })
  assert.ok(await eventually(() => posted.some((p) => p.data.outcome != null)), 'the callback page answered')
  assert.ok(!JSON.stringify(posted).includes(code), `the framing page received the code: ${JSON.stringify(posted)}`)
  assert.deepEqual(posted.at(-1)?.data.outcome, { handled: false, loggedIn: false, error: null, message: null })
  assert.deepEqual(connected, [{ url: `${APP}/js/owner-worker.js`, name: OWNER_NAME }], 'the callback page reached the owner')
  assert.equal(h.server.codeExchanges, exchangesBefore, 'the owner redeemed a code that is not its own')
  assert.equal(h.server.codes.has(code), true, 'the code is left unused')
})

test('item 9: a frame name that points at a script of another origin, or a blob, reaches no worker', async (t) => {
  const h = await startOwner()
  t.after(() => { h.clock.dispose(); for (const p of openPorts.splice(0)) p.close() })
  for (const workerUrl of ['https://evil.test/w.js', 'blob:https://app.test/0b1c']) {
    const connected = []
    const frameName = 'silent-refresh-owner:' + JSON.stringify({ workerUrl, name: OWNER_NAME })
    const posted = await runCallbackPage({ href: intruderAnswer('c-x'), frameName, SharedWorker: sharedWorkerFor(h.owner, connected) })
    await flush()
    assert.deepEqual(connected, [], `${workerUrl}: a worker was started`)
    assert.ok(!JSON.stringify(posted).includes('c-x'), `${workerUrl}: the code went to the framing page`)
  }
})

test('item 9: an answer without a code (login_required) still reaches the framing page, for the top-level fallback', async () => {
  const href = `${APP}/silent-callback.html?error=login_required&state=s1&iss=${encodeURIComponent(ISSUER)}`
  const posted = await runCallbackPage({ href, SharedWorker: class {} })
  assert.deepEqual(posted.map((p) => [p.data.href, p.origin]), [[href, APP]])
})

test('item 9: the owner\'s own silent login works, and the framing page never sees its code', async (t) => {
  mock.timers.reset() // (the owner tests' fake clock leaves them on)
  mock.timers.enable({ apis: ['setTimeout'] })
  const server = new FakeKeycloak({ now: () => Date.now() })
  const workers = new SharedWorkers(() => makeOwner({
    fetch: server.fetch, clock: { monotonic: () => performance.now(), wall: () => Date.now() }, network: { isOnline: () => true, whenOnline: async () => {} }, origin: APP
  }))
  const tab = installTab({ server, workers })
  localStorage.setItem('silent-refresh:demo-spa:had-session', '1')
  const client = new SilentRefreshClient({ ...CLIENT_OPTIONS })
  t.after(() => { client.dispose(); mock.timers.reset(); for (const p of openPorts.splice(0)) p.close() })
  let loggedIn = null
  client.init().then((value) => { loggedIn = value }, (err) => { loggedIn = err })
  assert.ok(await eventually(() => loggedIn != null), 'init settled')
  assert.equal(loggedIn, true, `not logged in: ${loggedIn}`)
  assert.equal(server.codeExchanges, 1)
  assert.equal(tab.frames, 1)
  assert.ok(tab.framePosts.length > 0, 'the callback page answered the framing page')
  assert.ok(!JSON.stringify(tab.framePosts).includes('code='), `a code reached the framing page: ${JSON.stringify(tab.framePosts)}`)
})
