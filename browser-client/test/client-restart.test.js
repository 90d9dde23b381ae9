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

/** Kills the owner while a call waits on it, and lets the link notice (a ping without an answer). */
async function killOwnerUnderACall (workers, client) {
  workers.kill(OWNER)
  const first = watch(client.fetch(`${APP}/api/data`))
  await flush()
  mock.timers.tick(PING_AFTER_MS)
  await flush()
  mock.timers.tick(PING_TIMEOUT_MS)
  await until(() => first.settled, 0)
  assert.ok(first.settled, 'the call waiting on the dead owner ended')
}

/** The events of the client, by type. */
function record (client) {
  const events = { 'refresh-error': [], 'session-ended': [], tokens: [] }
  for (const type of Object.keys(events)) client.on(type, (detail) => events[type].push(detail))
  return events
}

test('a restart whose silent login gets no answer (Keycloak slow): the page hears refresh_unavailable, calls fail fast, and the silent login is retried (bounded) until the session is back', async (t) => {
  const { server, workers, tab, client, api } = await loggedInTab(t)
  const events = record(client)
  tab.keycloakAnswers = false
  await killOwnerUnderACall(workers, client)

  // the new owner's silent login times out: the page says so the way it says Keycloak is unavailable
  assert.ok(await until(() => events['refresh-error'].length > 0, 100, 30_000),
    `no refresh-error after the silent login timed out (session-ended: ${JSON.stringify(events['session-ended'])})`)
  assert.equal(events['refresh-error'][0].code, 'refresh_unavailable')
  assert.deepEqual(events['session-ended'], [], 'nobody is logged out by a slow Keycloak')

  // a call now fails at once (no timer moves) with refresh_unavailable, not "Not logged in", and sends nothing bare
  const sentBefore = api.length
  const call = watch(client.getAccessToken())
  assert.ok(await until(() => call.settled, 0), 'the call failed fast')
  assert.equal(call.error?.code, 'refresh_unavailable', `${call.error?.name}: ${call.error?.message}`)
  const fetched = watch(client.fetch(`${APP}/api/me`))
  assert.ok(await until(() => fetched.settled, 0), 'the fetch failed fast')
  assert.equal(fetched.error?.code, 'refresh_unavailable', `${fetched.error?.name}: ${fetched.error?.message} ${fetched.value?.status}`)
  assert.equal(api.length, sentBefore, 'no request went out without a token')

  // retried, bounded in rate: over two minutes of outage a few iframes, not a loop
  const framesAtOutage = tab.frames
  await until(() => false, 1000, 120_000)
  const retries = tab.frames - framesAtOutage
  t.diagnostic(`silent-login tries in 120 s of outage: ${retries}`)
  assert.ok(retries >= 2 && retries <= 10, `silent-login retries in 120 s of outage: ${retries}`)
  assert.deepEqual(events['session-ended'], [])

  // Keycloak answers again: the next retry brings the session back, no re-login, and calls carry a token
  tab.keycloakAnswers = true
  assert.ok(await until(() => client.authenticated, 1000, 120_000), 'the session came back')
  assert.equal(server.codeExchanges, 2, 'one silent login for the new owner')
  assert.deepEqual(events['session-ended'], [])
  const after = watch(client.fetch(`${APP}/api/me`))
  assert.ok(await until(() => after.settled), 'the call after recovery settled')
  assert.equal(after.value?.status, 200, `${after.error?.message}`)
  const framesAfter = tab.frames
  await until(() => false, 1000, 300_000)
  assert.equal(tab.frames, framesAfter, 'no silent login after the session came back')
})

test('a restart whose silent login gets no answer, then login_required: the retries end with session-ended', async (t) => {
  const { workers, tab, client } = await loggedInTab(t)
  const events = record(client)
  tab.keycloakAnswers = false
  sessionStorage.setItem('silent-refresh:demo-spa:top-level-check', '1') // (its top-level fallback was tried already)
  await killOwnerUnderACall(workers, client)
  assert.ok(await until(() => events['refresh-error'].length > 0, 100, 30_000), 'no refresh-error after the silent login timed out')

  // Keycloak answers again, but its SSO session is gone: the existing session-ended path, and no more retries
  tab.ssoSession = false
  tab.keycloakAnswers = true
  assert.ok(await until(() => events['session-ended'].length > 0, 1000, 120_000), 'no session-ended after login_required')
  assert.equal(events['session-ended'][0].code, 'expired')
  const call = watch(client.getAccessToken())
  assert.ok(await until(() => call.settled, 0), 'the call settled')
  assert.equal(call.error?.name, 'SessionEndedError', `${call.error?.message}`)
  assert.equal(client.authenticated, false)
  const frames = tab.frames
  await until(() => false, 1000, 300_000)
  assert.equal(tab.frames, frames, 'no silent login after login_required')
})

test('the silent-login retries after a restart back off, jittered, up to a cap', async () => {
  const { silentRetryDelayMs, MAX_SILENT_RETRY_DELAY_MS } = await import('../src/page-session.js')
  assert.deepEqual([0, 1, 2, 3].map((n) => silentRetryDelayMs(n, () => 1)), [2000, 4000, 8000, 16_000])
  assert.deepEqual([0, 1, 2, 3].map((n) => silentRetryDelayMs(n, () => 0)), [1000, 2000, 4000, 8000])
  for (const attempt of [5, 6, 20, 1000]) {
    const delay = silentRetryDelayMs(attempt)
    assert.ok(delay >= MAX_SILENT_RETRY_DELAY_MS / 2 && delay <= MAX_SILENT_RETRY_DELAY_MS, `attempt ${attempt}: ${delay} ms`)
  }
})
