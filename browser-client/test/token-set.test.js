import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MIN_REFRESH_DELAY_MS, needsRefresh, refreshDueAt, tokenSetFromResponse } from '../src/token-set.js'

test('lifetimes count from the send time plus expires_in, not from the token clock', () => {
  const set = tokenSetFromResponse({ access_token: 'a', refresh_token: 'r', expires_in: 60, refresh_expires_in: 1800 }, 1000, 1, null)
  assert.equal(set.accessTokenExpiresAt, 61_000)
  assert.equal(set.refreshTokenExpiresAt, 1_801_000)
  assert.equal(set.tokenType, 'Bearer')
  assert.equal(refreshDueAt(set), 1000 + 45_000)
})

test('a short lifetime refreshes a third early and never sooner than a second after receipt', () => {
  assert.equal(refreshDueAt({ sentAt: 0, expiresIn: 9, refreshTokenExpiresAt: null }), 6000)
  assert.equal(refreshDueAt({ sentAt: 0, expiresIn: 0.5, refreshTokenExpiresAt: null }), MIN_REFRESH_DELAY_MS)
})

test('a 30-day token is due in about 30 days, not at once', () => {
  const due = refreshDueAt({ sentAt: 0, expiresIn: 30 * 24 * 3600, refreshTokenExpiresAt: null })
  assert.ok(due > 2 ** 31, `due at ${due}`)
})

test('DPoP token type, missing tokens and a previous refresh token', () => {
  const previous = tokenSetFromResponse({ access_token: 'a', refresh_token: 'r', expires_in: 60 }, 0, 1, null)
  const next = tokenSetFromResponse({ access_token: 'b', token_type: 'DPoP', expires_in: 60 }, 0, 2, previous)
  assert.equal(next.tokenType, 'DPoP')
  assert.equal(next.refreshToken, 'r')
  assert.throws(() => tokenSetFromResponse({ refresh_token: 'r' }, 0, 1, null), /no access_token/)
  assert.throws(() => tokenSetFromResponse({ access_token: 'a', token_type: 'mac' }, 0, 1, previous), /unsupported token_type/)
})

test('a token\'s age is the larger of its monotonic and wall-clock age', () => {
  const set = { sentAt: 0, sentAtMono: 0, expiresIn: 10 }
  assert.ok(needsRefresh(set, 5, { wall: 5000, mono: 5000 }))
  assert.ok(!needsRefresh(set, 5, { wall: 4999, mono: 4999 }))
  assert.ok(needsRefresh(set, 5, { wall: 60_000, mono: 100 }), 'a sleep: the wall clock moved on')
  assert.ok(needsRefresh(set, 5, { wall: -600_000, mono: 6000 }), 'the wall clock was set back')
})
