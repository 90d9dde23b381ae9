import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decide, elapsedMs, initialState, transition } from '../src/refresh-machine.js'

const at = (mono, wall = 1_000_000 + mono) => ({ mono, wall })
const rules = { graceMs: 10_000, timeoutMs: 4000 }
const lost = (state, sentAt, when) => transition(state, { type: 'answered', outcome: 'uncertain', sentAt, at: when })

test('elapsed time is the larger of the two clocks: a sleep and a clock set back both count', () => {
  assert.equal(elapsedMs(at(0), at(100)), 100)
  assert.equal(elapsedMs(at(0, 0), at(100, 300_000)), 300_000, 'slept five minutes: the monotonic clock stood still')
  assert.equal(elapsedMs(at(0, 0), at(5000, -600_000)), 5000, 'wall clock set back ten minutes')
})

test('a fresh token is sent at once; an unanswered one again inside the window only, after a pause that doubles', () => {
  assert.deepEqual(decide(initialState(), at(0), rules), { action: 'send', delayMs: 0, timeoutMs: 4000 })
  let state = lost(initialState(), at(0), at(4000))
  assert.deepEqual(decide(state, at(4000), rules), { action: 'send', delayMs: 500, timeoutMs: 3500 })
  assert.equal(decide(state, at(4500), rules, { paused: true }).action, 'send')
  state = lost(state, at(4500), at(5000))
  assert.equal(/** @type {any} */ (decide(state, at(5000), rules)).delayMs, 1000)
  assert.equal(state.firstUnansweredAt?.mono, 0, 'the window counts from the first unanswered send')
  assert.deepEqual(decide(state, at(7500), rules), { action: 'recover' }, 'less than a second left before W - M')
})

test('a sleep inside the pause ends the retries: decided again after the pause, by the wall clock', () => {
  const state = lost(initialState(), at(0, 0), at(100, 100))
  assert.equal(decide(state, at(100, 100), rules).action, 'send')
  assert.deepEqual(decide(state, at(600, 300_600), rules, { paused: true }), { action: 'recover' })
})

test('the executor\'s 503 keeps the token sendable at any time, with a probe gap; it does not clear an earlier unknown', () => {
  let state = transition(initialState(), { type: 'answered', outcome: 'unavailable', sentAt: at(0), at: at(100), retryAfterMs: 2000 })
  assert.equal(state.phase, 'unavailable')
  assert.equal(state.retryAt, at(100).wall + 2000)
  assert.equal(decide(state, at(500), rules).action, 'wait')
  assert.equal(decide(state, at(60_000), rules).action, 'send', 'beyond the window: nothing was consumed')
  state = lost(initialState(), at(0), at(4000))
  state = transition(state, { type: 'answered', outcome: 'unavailable', sentAt: at(4500), at: at(4600) })
  assert.equal(state.phase, 'uncertain')
  assert.deepEqual(decide(state, at(9000), rules), { action: 'recover' })
})

test('a 200 spends the token whatever follows; a refusal cools down; bound-token retry has no window', () => {
  assert.equal(transition(initialState(), { type: 'consumed' }).phase, 'spent')
  assert.deepEqual(decide(transition(initialState(), { type: 'consumed' }), at(0), rules), { action: 'recover' })
  const refused = transition(initialState(), { type: 'answered', outcome: 'refused', sentAt: at(0), at: at(10) })
  assert.equal(decide(refused, at(1000), rules).action, 'wait')
  assert.equal(decide(refused, at(40_000), rules).action, 'send')
  let state = initialState()
  for (let i = 0; i < 6; i++) state = lost(state, at(i * 10_000), at(i * 10_000 + 4000))
  const bound = decide(state, at(600_000, 9_000_000), { ...rules, boundRetry: true })
  assert.equal(bound.action, 'send', 'an hour later, still the same token')
  assert.equal(/** @type {any} */ (bound).delayMs, 15_000, 'the pause is capped')
})
