// Issue 14, item 5 on the page's side, through the real SilentRefreshClient: after the token owner died, a call made while
// the new owner logs in silently from the SSO session waits for that login (bounded) and goes out with a token; it is
// neither sent without one (a 401) nor failed with "Not logged in".
import assert from 'node:assert/strict'
import { mock, test } from 'node:test'
import { SilentRefreshClient } from '../src/client.js'
import { PING_AFTER_MS, PING_TIMEOUT_MS } from '../src/owner-link.js'
import { FakeKeycloak } from './helpers/fake-keycloak.js'
import { openPorts } from './helpers/fake-browser.js'
import { flush } from './helpers/owner-harness.js'
import { makeOwner } from './helpers/make-owner.js'
import { APP, CLIENT_OPTIONS, installTab, SharedWorkers } from './helpers/fake-page-env.js'

const realClock = { monotonic: () => performance.now(), wall: () => Date.now() }
const network = { isOnline: () => true, whenOnline: () => Promise.resolve() }
const OWNER = 'silent-refresh:demo-spa'

/** @template T @param {Promise<T>} promise */
function watch (promise) {
  /** @type {{ settled: boolean, value?: T, error?: any }} */
  const result = { settled: false }
  promise.then((value) => Object.assign(result, { settled: true, value }), (error) => Object.assign(result, { settled: true, error }))
  return result
}

/** Real async work runs; the mocked timers move `stepMs` per round. */
async function until (predicate, stepMs = 100, maxMs = 20_000) {
  const start = performance.now()
  for (let moved = 0; !predicate() && moved <= maxMs && performance.now() - start < (stepMs > 0 ? 20_000 : 5_000); moved += stepMs) {
    await flush()
    if (!predicate() && stepMs > 0) mock.timers.tick(stepMs)
  }
  return predicate()
}

/** A tab logged in from the SSO session, with an API that answers 200 to a bearer token and 401 without one. */
async function loggedInTab (t) {
  mock.timers.enable({ apis: ['setTimeout'] })
  const server = new FakeKeycloak({ now: () => Date.now() })
  const workers = new SharedWorkers(() => makeOwner({ fetch: server.fetch, clock: realClock, network, origin: APP }))
  const tab = installTab({ server, workers })
  localStorage.setItem('silent-refresh:demo-spa:had-session', '1')
  /** @type {(string|null)[]} the Authorization header of every API request */
  const api = []
  const client = new SilentRefreshClient({
    ...CLIENT_OPTIONS,
    fetch: async (/** @type {any} */ request) => {
      const authorization = request.headers.get('Authorization')
      api.push(authorization)
      return new Response('{}', { status: authorization?.startsWith('Bearer ') ? 200 : 401 })
    }
  })
  t.after(() => { client.dispose(); mock.timers.reset(); for (const p of openPorts.splice(0)) p.close() })
  const init = watch(client.init())
  assert.ok(await until(() => init.settled, 0), 'init settled')
  assert.equal(init.value, true, `logged in silently: ${init.error?.message}`)
  return { server, workers, tab, client, api }
}

test('item 5: a call made while a new owner logs in silently waits for that login and carries a token', async (t) => {
  const { server, workers, client, api } = await loggedInTab(t)
  assert.equal(server.codeExchanges, 1)

  // the browser kills the owner; a call waits on it, a ping gets no answer, the call fails within seconds
  workers.kill(OWNER)
  const first = watch(client.fetch(`${APP}/api/data`))
  await flush()
  mock.timers.tick(PING_AFTER_MS)
  await flush()
  mock.timers.tick(PING_TIMEOUT_MS)
  await until(() => first.settled, 0)
  assert.ok(first.settled, 'the call waiting on the dead owner ended')

  // the page had a session: a call made now, while the new owner is started and logs in silently, waits for it
  const second = watch(client.fetch(`${APP}/api/me`))
  assert.ok(await until(() => second.settled), 'the second call settled')
  assert.equal(second.error?.message, undefined, 'the second call failed')
  assert.equal(second.value?.status, 200, `the second call was sent with ${api.at(-1)}`)
  assert.ok(api.every((authorization) => authorization != null), `a request went out without a token: ${JSON.stringify(api)}`)
  assert.equal(server.codeExchanges, 2, 'the new owner logged in silently once')
  assert.equal(workers.started, 2)
  assert.equal(client.authenticated, true)
})

test('item 5: the wait is bounded: when the new owner cannot log in silently, the call ends without hanging', async (t) => {
  const { workers, tab, client } = await loggedInTab(t)
  tab.ssoSession = false // the Keycloak session ended meanwhile: the silent login answers login_required
  sessionStorage.setItem('silent-refresh:demo-spa:top-level-check', '1') // (its top-level fallback was tried already)
  workers.kill(OWNER)
  const first = watch(client.fetch(`${APP}/api/data`))
  await flush()
  mock.timers.tick(PING_AFTER_MS)
  await flush()
  mock.timers.tick(PING_TIMEOUT_MS)
  await until(() => first.settled, 0)
  assert.ok(first.settled, 'the call waiting on the dead owner ended')
  const second = watch(client.getAccessToken())
  assert.ok(await until(() => second.settled), 'the call settled')
  assert.equal(second.error?.name, 'SessionEndedError', `${second.error?.message}`)
  assert.equal(client.authenticated, false)
})
