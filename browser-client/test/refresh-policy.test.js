import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  classifyTokenResponse, DEFAULT_REQUEST_TIMEOUT_MS, MAX_PROBE_DELAY_MS, nextReplay, parseRetryAfterMs, probeDelayMs, RETRY_DELAY_MS,
  WINDOW_MARGIN_MS
} from '../src/refresh-policy.js'

test('only invalid_grant is terminal; only the executor\'s own 503 keeps the token; no answer, other 5xx and 429 are uncertain', () => {
  assert.equal(classifyTokenResponse(200, { access_token: 'a' }), 'ok')
  assert.equal(classifyTokenResponse(400, { error: 'invalid_grant' }), 'terminal')
  // contract 1: the executor's 503 says that nothing was consumed; any other 503 may come from a proxy after Keycloak rotated
  assert.equal(classifyTokenResponse(503, { error: 'temporarily_unavailable', refresh_token_consumed: false }), 'unavailable')
  assert.equal(classifyTokenResponse(503, { error: 'temporarily_unavailable' }), 'uncertain')
  assert.equal(classifyTokenResponse(503, { refresh_token_consumed: 'false' }), 'uncertain')
  assert.equal(classifyTokenResponse(503, null), 'uncertain')
  assert.equal(classifyTokenResponse(502, { refresh_token_consumed: false }), 'uncertain')
  assert.equal(classifyTokenResponse(429, null), 'uncertain')
  assert.equal(classifyTokenResponse(null, null), 'uncertain')
  assert.equal(classifyTokenResponse(500, null), 'uncertain')
  assert.equal(classifyTokenResponse(504, null), 'uncertain')
  assert.equal(classifyTokenResponse(200, 'not json'), 'uncertain')
  assert.equal(classifyTokenResponse(400, { error: 'invalid_request' }), 'refused')
  assert.equal(classifyTokenResponse(401, { error: 'invalid_client' }), 'refused')
})

test('with a 10 s window the retry after a timed-out first send is aborted 2 s before the window closes', () => {
  // the first send timed out after T: the retry leaves D later and may run until W - M
  const replay = nextReplay({ firstSentAt: 0, now: DEFAULT_REQUEST_TIMEOUT_MS, graceMs: 10_000 })
  assert.deepEqual(replay, { sendAt: DEFAULT_REQUEST_TIMEOUT_MS + RETRY_DELAY_MS, timeoutMs: 10_000 - WINDOW_MARGIN_MS - DEFAULT_REQUEST_TIMEOUT_MS - RETRY_DELAY_MS })
  assert.ok(replay.sendAt + replay.timeoutMs < 10_000, 'the retry ends inside the window')
})

test('a retry is never sent when it could arrive after the window counted from the first send', () => {
  assert.equal(nextReplay({ firstSentAt: 0, now: 7000, graceMs: 10_000 }), null)
  assert.equal(nextReplay({ firstSentAt: 0, now: 100, graceMs: 0 }), null, 'no window, no replay')
  assert.equal(nextReplay({ firstSentAt: 0, now: 4000, graceMs: 7000 }), null, 'W = 7 s leaves no room after a 4 s timeout')
  assert.ok(nextReplay({ firstSentAt: 0, now: 100, graceMs: 10_000 }), 'an immediate network error may be retried')
})

test('probes back off 1, 2, 4 s, capped, and honour a longer Retry-After up to the cap', () => {
  assert.deepEqual([0, 1, 2].map((n) => probeDelayMs(n)), [1000, 2000, 4000])
  assert.equal(probeDelayMs(40), MAX_PROBE_DELAY_MS)
  assert.equal(probeDelayMs(0, 5000), 5000)
  assert.equal(probeDelayMs(0, 3_600_000), MAX_PROBE_DELAY_MS)
  assert.equal(parseRetryAfterMs('3', 0), 3000)
  assert.equal(parseRetryAfterMs(null, 0), null)
  assert.equal(parseRetryAfterMs('soon', 0), null)
})
