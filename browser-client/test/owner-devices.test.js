// Issue 14, items 1-3: the token owner on real devices (sleep, offline, a wrong clock), driven through its port protocol
// with fake clocks, a fake network and a fake Keycloak that enforces rotation with a grace window.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { eventually, flush, logIn, settle, startOwner } from './helpers/owner-harness.js'

const MINUTE = 60_000

test('sleep: a refresh whose answer was lost is never re-sent after the window, though the monotonic clock stood still', async (t) => {
  const h = await startOwner({ graceSeconds: 10 })
  t.after(() => h.clock.dispose())
  await logIn(h)
  h.server.fail('hang') // Keycloak rotates; the answer never arrives
  const refreshing = h.page.call('refresh')
  await flush()
  assert.equal(h.server.presented.length, 1, 'the refresh was sent')
  const first = h.server.presented[0]

  await h.clock.sleep(5 * MINUTE) // the lid closes right after the send
  await settle(refreshing, h.clock, 30_000)
  await h.clock.advance(30_000)

  assert.equal(h.server.reuses, 0, 'Keycloak saw reuse (the session would be revoked)')
  assert.equal(h.server.presented.filter((token) => token === first).length, 1, 'the spent token was sent again')
  assert.ok(await eventually(() => h.page.eventsOf('run-silent-login').length >= 1), 'a silent login replaces the spent token')
  assert.equal(h.page.eventsOf('session-ended').length, 0)
})

test('offline: a refresh that cannot leave the machine waits for the network and spends neither retries nor the window', async (t) => {
  const h = await startOwner({ graceSeconds: 10 })
  t.after(() => h.clock.dispose())
  await logIn(h)
  h.network.goOffline()
  h.server.fail(...Array(30).fill('not-sent')) // what fetch does while offline: a TypeError before anything is sent
  const refreshing = h.page.call('refresh')
  refreshing.catch(() => {}) // the page may be told at once that the browser is offline
  await h.clock.advance(2 * MINUTE)

  assert.equal(h.page.eventsOf('run-silent-login').length, 0, 'a silent login ran while offline')
  assert.equal(h.page.eventsOf('session-ended').length, 0)
  h.server.faults = []
  h.network.goOnline()
  const done = await settle(refreshing, h.clock, 20_000)
  await h.clock.advance(5000)

  assert.equal(h.server.rotations, 1, `one refresh once online (${String(done.error?.message ?? 'ok')})`)
  assert.equal(h.server.reuses, 0)
  assert.equal(h.server.codeExchanges, 1, 'no new login was needed')
  assert.equal(h.page.eventsOf('tokens').filter((d) => d.source === 'refresh').length, 1)
})

test('a local clock 10 minutes fast: logins and refreshes are kept, and a refreshed token is never sent again', async (t) => {
  const h = await startOwner({ skewMs: 10 * MINUTE })
  t.after(() => h.clock.dispose())
  const login = await logIn(h)
  assert.equal(login.loggedIn, true, `login with a fast clock: ${login.message}`)
  for (let i = 0; i < 3; i++) {
    const done = await settle(h.page.call('refresh'), h.clock)
    assert.ok(done.settled && !done.error, `refresh ${i + 1}: ${done.error?.message}`)
  }
  await h.clock.advance(30_000)
  assert.ok(h.server.rotations >= 3, `${h.server.rotations} rotations`)
  assert.equal(h.server.reuses, 0, 'a spent token was sent again')
  assert.equal(new Set(h.server.presented).size, h.server.presented.length, 'each token presented once')
  assert.equal(h.page.eventsOf('session-ended').length, 0)
})

test('a local clock 10 minutes slow: the same', async (t) => {
  const h = await startOwner({ skewMs: -10 * MINUTE })
  t.after(() => h.clock.dispose())
  const login = await logIn(h)
  assert.equal(login.loggedIn, true, `login with a slow clock: ${login.message}`)
  const done = await settle(h.page.call('refresh'), h.clock)
  assert.ok(!done.error, done.error?.message)
  assert.equal(h.server.rotations, 1)
  assert.equal(h.server.reuses, 0)
})
