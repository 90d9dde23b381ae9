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
