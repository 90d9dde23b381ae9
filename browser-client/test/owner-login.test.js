// Issue 14, items 6 and 9 on the owner's side: logout ends the Keycloak session before any tab hears of it, no page ever
// receives the ID token, and a login as another user is flagged.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { END_SESSION_ENDPOINT } from './helpers/fake-keycloak.js'
import { logIn, settle, startOwner } from './helpers/owner-harness.js'

test('logout: the owner ends the Keycloak session first, then tells the tabs; no page receives the ID token', async (t) => {
  const h = await startOwner()
  t.after(() => h.clock.dispose())
  await logIn(h)
  /** @type {number[]} */
  const endSessionsWhenTold = []
  const post = h.page.postMessage.bind(h.page)
  h.page.postMessage = (message) => {
    if (message?.event === 'session-ended') endSessionsWhenTold.push(h.server.loggedOut.length)
    post(message)
  }
  const done = await settle(h.page.call('logout'), h.clock)
  assert.ok(!done.error, done.error?.message)
  assert.deepEqual(endSessionsWhenTold, [1], 'the end-session request went out before the tabs were told')
  assert.match(h.server.loggedOut[0], /^e30\./, 'id_token_hint sent by the owner')
  const request = h.server.requests.find((r) => r.url === END_SESSION_ENDPOINT)
  assert.equal(request?.method, 'POST')
  assert.ok(!JSON.stringify(done.value ?? null).includes('e30.'), `a token in the logout answer: ${JSON.stringify(done.value)}`)
  assert.ok(!JSON.stringify(h.page.events).includes(h.server.loggedOut[0]), 'the ID token reached a page')
})

test('a login as another user ends the first user\'s session in every tab (user_changed) before installing the new one', async (t) => {
  const h = await startOwner()
  t.after(() => h.clock.dispose())
  await logIn(h, { user: 'alice' })
  await logIn(h, { user: 'bob' })
  const ended = h.page.eventsOf('session-ended')
  assert.deepEqual(ended.map((d) => d.code), ['user_changed'])
  const status = await settle(h.page.call('status'), h.clock)
  assert.equal(status.value?.loggedIn, true)
})

test('item 6, per-tab owners: a "logged out" hint that Keycloak confirms ends this tab\'s session as a logout in another tab', async (t) => {
  const h = await startOwner()
  t.after(() => h.clock.dispose())
  await logIn(h)
  // another tab, with a family of its own in the same SSO session, logged out: Keycloak ended the SSO session
  h.server.endSsoSession()
  await settle(h.page.call('verify', { hint: 'logged_out' }), h.clock)
  assert.deepEqual(h.page.eventsOf('session-ended').map((d) => d.code), ['logged_out'],
    'the tab says "You logged out in another tab.", not "Your session was revoked"')
})

test('item 6, per-tab owners: a hint is only a hint: Keycloak keeps the session, so the tab keeps it; a refusal without a hint is a revocation', async (t) => {
  const h = await startOwner()
  t.after(() => h.clock.dispose())
  await logIn(h)
  await settle(h.page.call('verify', { hint: 'logged_out' }), h.clock)
  assert.deepEqual(h.page.eventsOf('session-ended'), [], 'a forged hint ended nothing')
  assert.equal((await settle(h.page.call('status'), h.clock)).value?.loggedIn, true)
  h.server.endSsoSession()
  await settle(h.page.call('refresh'), h.clock)
  assert.deepEqual(h.page.eventsOf('session-ended').map((d) => d.code), ['revoked'])
})
