import assert from 'node:assert/strict'
import { mock, test } from 'node:test'
import { DueTimer, POLL_INTERVAL_MS } from '../src/due-timer.js'

test('a due time beyond 2^31-1 ms does not fire at once, and fires when it comes', () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 })
  try {
    let fired = 0
    const timer = new DueTimer(() => fired++)
    timer.schedule(30 * 24 * 3600 * 1000)
    mock.timers.tick(10 * POLL_INTERVAL_MS)
    assert.equal(fired, 0)
    mock.timers.tick(30 * 24 * 3600 * 1000)
    assert.equal(fired, 1)
    mock.timers.tick(60 * POLL_INTERVAL_MS)
    assert.equal(fired, 1, 'fires once per schedule')
  } finally {
    mock.timers.reset()
  }
})

test('a wall clock that jumps forward (a sleep) is noticed within one poll interval', () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 })
  try {
    let now = 0
    let fired = 0
    const timer = new DueTimer(() => fired++, () => now)
    timer.schedule(3_600_000)
    now = 4_000_000 // the laptop slept; setTimeout's own clock did not move
    mock.timers.tick(POLL_INTERVAL_MS)
    assert.equal(fired, 1)
  } finally {
    mock.timers.reset()
  }
})
