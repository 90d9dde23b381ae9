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
