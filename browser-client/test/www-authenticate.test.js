import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isDpopNonceChallenge, isInvalidTokenChallenge, parseWwwAuthenticate } from '../src/www-authenticate.js'

/** @param {number} status @param {string|null} header */
const response = (status, header) => ({ status, headers: { get: () => header } })

test('only a 401 with error="invalid_token" on a Bearer or DPoP challenge asks for a new token', () => {
  assert.ok(isInvalidTokenChallenge(response(401, 'Bearer realm="demo-api", error="invalid_token", error_description="expired"')))
  assert.ok(isInvalidTokenChallenge(response(401, 'DPoP algs="ES256", error="invalid_token"')))
  assert.ok(!isInvalidTokenChallenge(response(401, 'Bearer realm="demo-api"')))
  assert.ok(!isInvalidTokenChallenge(response(403, 'Bearer error="insufficient_scope"')))
  assert.ok(!isInvalidTokenChallenge(response(401, 'Bearer error="invalid_request"')))
  assert.ok(!isInvalidTokenChallenge(response(503, null)))
  assert.ok(isDpopNonceChallenge(response(401, 'DPoP error="use_dpop_nonce"')))
})

test('parses several challenges, quoted strings and token68', () => {
  assert.deepEqual(parseWwwAuthenticate('Basic abc==, Bearer realm="a \\"b\\"", error=invalid_token'), [
    { scheme: 'basic', params: {}, token68: 'abc==' },
    { scheme: 'bearer', params: { realm: 'a "b"', error: 'invalid_token' }, token68: null }
  ])
  assert.deepEqual(parseWwwAuthenticate(null), [])
})
