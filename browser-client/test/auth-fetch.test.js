// Item 4 on the page's side: the owner is told whether a rejected token had worked before.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createAuthFetch } from '../src/auth-fetch.js'

test('a 401 on a token the API has accepted before is reported as such; one on a token never accepted is not', async () => {
  const view = { owner: 'o', version: 2, accessToken: 't', tokenType: 'Bearer' }
  const statuses = [200, 401, 200]
  const reports = []
  const authFetch = createAuthFetch({
    token: async () => /** @type {any} */ (view),
    rejected: async (v, accepted) => { reports.push(accepted); return null },
    proof: async () => null,
    isAllowed: () => true,
    fetch: async () => new Response('{}', {
      status: statuses.shift() ?? 401,
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' }
    })
  })
  await authFetch('https://app.test/api/me')
  await authFetch('https://app.test/api/me')
  assert.deepEqual(reports, [true])
  view.version = 3
  statuses.splice(0, statuses.length, 401, 401)
  await authFetch('https://app.test/api/me')
  await authFetch('https://app.test/api/me')
  assert.deepEqual(reports, [true, false, false])
})

test('item 4: a token whose only successes were the retries after its own 401-refresh counts as having worked', async () => {
  // an API whose clock runs ahead: each token is rejected once, after it has worked for a while; here the first token is
  // rejected at once, the refresh gives version 2, the retry with it works, and later the API rejects version 2 as well
  let version = 1
  const reports = []
  const statuses = [401, 200, 401, 200]
  const authFetch = createAuthFetch({
    token: async () => /** @type {any} */ ({ owner: 'o', version, accessToken: `t${version}`, tokenType: 'Bearer' }),
    rejected: async (v, accepted) => {
      reports.push({ version: v.version, accepted })
      version = v.version + 1
      return /** @type {any} */ ({ owner: 'o', version, accessToken: `t${version}`, tokenType: 'Bearer' })
    },
    proof: async () => null,
    isAllowed: () => true,
    fetch: async () => new Response('{}', {
      status: statuses.shift() ?? 500,
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' }
    })
  })
  assert.equal((await authFetch('https://app.test/api/me')).status, 200, 'the retry with version 2 worked')
  assert.equal((await authFetch('https://app.test/api/me')).status, 200, 'version 2 rejected later, refreshed, retried')
  assert.deepEqual(reports, [{ version: 1, accepted: false }, { version: 2, accepted: true }],
    'version 2 had worked (its retry got a 200), so its 401 is not a "fresh token rejected too"')
})
