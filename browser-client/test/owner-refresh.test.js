// What each token-endpoint answer means for the refresh token (contract 1), the 401 rule (item 4), minValidity (item 7) and
// bound-token retry (contract 2), through the owner's port protocol.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { eventually, flush, logIn, settle, startOwner } from './helpers/owner-harness.js'

test('contract 1: the executor\'s own 503 consumed nothing: the same token goes again after the window, no new login', async (t) => {
  const h = await startOwner({ graceSeconds: 10 })
  t.after(() => h.clock.dispose())
  await logIn(h)
  h.server.fail('503-executor', '503-executor', '503-executor', '503-executor', '503-executor')
  h.page.call('refresh').catch(() => {})
  await h.clock.advance(60_000)
  assert.equal(h.server.rotations, 1, 'refreshed once Keycloak was back')
  assert.equal(h.server.reuses, 0)
  assert.equal(h.page.eventsOf('run-silent-login').length, 0, 'no silent login for a refusal that consumed nothing')
  assert.equal(new Set(h.server.presented).size, 1, 'always the same token')
  assert.ok(h.server.sentAt.at(-1) - h.server.sentAt[0] > 10_000, `the last try ${h.server.sentAt.at(-1) - h.server.sentAt[0]} ms after the first, beyond the window`)
})

for (const fault of /** @type {const} */ (['503-plain', '500', '429'])) {
  test(`contract 1: ${fault} may have consumed the token: re-sent only inside the window, then a silent login`, async (t) => {
    const h = await startOwner({ graceSeconds: 10 })
    t.after(() => h.clock.dispose())
    await logIn(h)
    // a proxy's answer after Keycloak rotated (the fake processes the request, then answers the fault)
    h.server.fail(...Array(20).fill(fault))
    h.server.processFaults = true
    h.page.call('refresh').catch(() => {})
    await h.clock.advance(60_000)
    assert.equal(h.server.reuses, 0, 'the token was presented after the window: reuse')
    assert.ok(await eventually(() => h.page.eventsOf('run-silent-login').length >= 1), 'a silent login replaces a token that may be spent')
  })
}

test('item 4: a 401 on a token that has been working gets its refresh, though that token came from a 401 refresh', async (t) => {
  const h = await startOwner({ config: { proactiveRefresh: false } })
  t.after(() => h.clock.dispose())
  await logIn(h)
  const v2 = await settle(h.page.call('rejected', { version: 1 }), h.clock)
  assert.equal(v2.value?.version, 2, v2.error?.message)
  // v2 works for a while, then the API (clock ahead) rejects it
  await h.clock.advance(30_000)
  const v3 = await settle(h.page.call('rejected', { version: 2, accepted: true }), h.clock)
  assert.equal(v3.value?.version, 3, `refused: ${v3.error?.message}`)
  // a token rejected at once after a 401 refresh: refreshing again cannot help (a wrong audience)
  const refused = await settle(h.page.call('rejected', { version: 3 }), h.clock)
  assert.equal(refused.error?.code, 'token_rejected')
  assert.equal(h.server.rotations, 2)
})

test('item 4: a token one tab has seen working gets its refresh when another tab, which never used it, reports its 401', async (t) => {
  const h = await startOwner({ config: { proactiveRefresh: false } })
  t.after(() => h.clock.dispose())
  await logIn(h)
  // tab A: the API rejects version 1, the owner refreshes once, A's retry with version 2 works and A says so
  const v2 = await settle(h.page.call('rejected', { version: 1 }), h.clock)
  assert.equal(v2.value?.version, 2, v2.error?.message)
  await settle(h.page.call('accepted', { version: 2 }), h.clock)
  // tab B has not called the API with version 2 before the API (clock ahead) starts rejecting it
  await h.clock.advance(30_000)
  const v3 = await settle(h.page.call('rejected', { version: 2, accepted: false }), h.clock)
  assert.equal(v3.value?.version, 3, `refused: ${v3.error?.message}`)
  assert.equal(h.server.rotations, 2)
})

test('a refresh asked for by a page that has not yet seen the token another page\'s refresh just installed is that refresh', async (t) => {
  const h = await startOwner({ config: { proactiveRefresh: false } })
  t.after(() => h.clock.dispose())
  await logIn(h)
  // two tabs click "refresh" at the same moment; the second one's request arrives after the first refresh finished
  const first = await settle(h.page.call('refresh', { version: 1 }), h.clock)
  assert.equal(first.value?.version, 2, first.error?.message)
  const second = await settle(h.page.call('refresh', { version: 1 }), h.clock)
  assert.equal(second.value?.version, 2, 'the newer token answers it')
  assert.equal(h.server.rotations, 1, 'one refresh for both')
  // a page that has the newest token and asks again gets a new one
  const third = await settle(h.page.call('refresh', { version: 2 }), h.clock)
  assert.equal(third.value?.version, 3)
  assert.equal(h.server.rotations, 2)
})

test('item 7: minValidity above the lifetime is clamped: no refresh on every call, no false "unavailable"', async (t) => {
  const h = await startOwner({ accessSeconds: 60 })
  t.after(() => h.clock.dispose())
  await logIn(h)
  for (let i = 0; i < 5; i++) {
    const got = await settle(h.page.call('token', { minValidity: 120 }), h.clock)
    assert.ok(got.value?.accessToken, `call ${i + 1}: ${got.error?.message}`)
    await h.clock.advance(200)
  }
  assert.ok(h.server.rotations <= 1, `${h.server.rotations} refreshes for 5 calls within a second`)
})

test('contract 2: boundTokenRetry with DPoP retries an unanswered refresh with back-off until an answer, beyond the window', async (t) => {
  const h = await startOwner({ graceSeconds: 10, config: { dpop: true, boundTokenRetry: true } })
  t.after(() => h.clock.dispose())
  h.server.boundTokenRetry = true
  await logIn(h)
  h.server.fail('hang', 'hang', 'hang', 'hang', 'hang', 'hang')
  const refreshing = h.page.call('refresh')
  const done = await settle(refreshing, h.clock, 180_000)
  await flush()
  assert.equal(h.page.eventsOf('run-silent-login').length, 0, 'abandoned for a timeout')
  assert.equal(h.server.reuses, 0)
  assert.equal(h.server.presented.length, 7, 'six unanswered tries, then the answer')
  assert.equal(new Set(h.server.presented).size, 1, 'always the same token')
  assert.ok(!done.error, done.error?.message)
  // (the growing, capped pauses are asserted in refresh-machine.test.js: here real crypto time blurs the fake clock)
  assert.ok(h.server.sentAt.at(-1) - h.server.sentAt[0] > 10_000, 'the answer came after the grace window')
})

test('without boundTokenRetry a DPoP family follows the window like any other', async (t) => {
  const h = await startOwner({ graceSeconds: 10, config: { dpop: true } })
  t.after(() => h.clock.dispose())
  await logIn(h)
  h.server.fail('hang', 'hang', 'hang', 'hang', 'hang', 'hang')
  h.page.call('refresh').catch(() => {})
  // (real crypto signs each proof: on a loaded machine it may still be signing when a fixed fake-time step is over, and the
  // owner's next pause then needs the fake clock to move on; so the clock moves until the owner gives up, within bounds)
  for (let moved = 0; moved < 120_000 && h.page.eventsOf('run-silent-login').length === 0; moved += 1000) await h.clock.advance(1000)
  assert.equal(h.server.reuses, 0)
  assert.ok(h.page.eventsOf('run-silent-login').length >= 1, 'the token given up for a silent login')
  assert.ok(h.server.sentAt.at(-1) - h.server.sentAt[0] < 10_000, 'the same token sent after the grace window')
})
