// @ts-check
/**
 * @file The refresh state machine of the refresh token the owner holds, as pure functions: its phases, how each answer of
 * the token endpoint moves it, and the decision what to do next (send it, with which pause and abort deadline; wait; or
 * give it up for a silent login). The owner (owner.js) does the I/O and asks this file before every send.
 *
 *     fresh ──uncertain answer──> uncertain ──window passed (by either clock)──> spent ──> silent login, never sent again
 *       │ ▲                         │  └─bound-token-retry (DPoP): no window, back-off until an answer
 *       │ └──executor's 503────> unavailable (back-off; the same token at any time: nothing was consumed)
 *       └────other 4xx────────> refused (cooldown)          a 200 ──> spent at once, then the new token starts fresh
 *
 * Time: a device that sleeps stops the monotonic clock and not the wall clock; a wall clock can be set back or forward.
 * Elapsed time is therefore the LARGER of the two differences: a sleep cannot hide time from the window, and a clock set
 * back cannot either. (A wall clock set forward only makes the client give a token up sooner, the safe side.)
 */
import {
  boundRetryDelayMs, DEFAULT_REQUEST_TIMEOUT_MS, MIN_PROBE_GAP_MS, nextReplay, probeDelayMs, REFUSAL_COOLDOWN_MS, RETRY_DELAY_MS
} from './refresh-policy.js'

/** @typedef {import('./refresh-policy.js').Outcome} Outcome */

/**
 * Two clocks: `monotonic` (ms, e.g. `performance.now()`; stops while the device sleeps) and `wall` (epoch ms, `Date.now()`;
 * runs on during a sleep, may be wrong or be set).
 * @typedef {{ monotonic: () => number, wall: () => number }} Clock
 * @typedef {{ mono: number, wall: number }} Instant a reading of both clocks
 */

/** @type {Clock} */
export const systemClock = { monotonic: () => performance.now(), wall: () => Date.now() }

/** @param {Clock} clock @returns {Instant} */
export function instantOf (clock) {
  return { mono: clock.monotonic(), wall: clock.wall() }
}

/**
 * Time between two readings: the larger of the monotonic and the wall-clock difference.
 * @param {Instant} since
 * @param {Instant} now
 */
export function elapsedMs (since, now) {
  return Math.max(now.mono - since.mono, now.wall - since.wall)
}

/**
 * @typedef {'fresh'|'uncertain'|'unavailable'|'refused'|'spent'} Phase
 * @typedef {object} RefreshState
 * @property {Phase} phase
 * @property {Instant|null} firstUnansweredAt when the first try whose fate is unknown was sent (the window counts from it)
 * @property {number} unanswered tries without a usable answer since then
 * @property {number} failures consecutive "nothing consumed" answers (for the back-off)
 * @property {number|null} retryAt wall-clock ms of the next automatic try (unavailable, refused), for display and the timer
 * @property {Instant|null} lastFailureAt when the last try failed
 */

/** @returns {RefreshState} the state of a token just received */
export function initialState () {
  return { phase: 'fresh', firstUnansweredAt: null, unanswered: 0, failures: 0, retryAt: null, lastFailureAt: null }
}

/**
 * @typedef {{ type: 'answered', outcome: Outcome, sentAt: Instant, at: Instant, retryAfterMs?: number|null }
 *   | { type: 'consumed' } | { type: 'abandoned' }} RefreshEvent
 *   answered: a try ended (the owner classified the answer; 'ok' and 'terminal' are handled by the owner); consumed: a 200
 *   arrived, so the token is spent whatever happens next; abandoned: the owner gave the token up (no safe try left).
 */

/**
 * @param {RefreshState} state
 * @param {RefreshEvent} event
 * @returns {RefreshState}
 */
export function transition (state, event) {
  if (event.type === 'consumed' || event.type === 'abandoned') return { ...state, phase: 'spent', retryAt: null }
  if (state.phase === 'spent') return state
  const { outcome, at } = event
  if (outcome === 'uncertain') {
    return {
      ...state,
      phase: 'uncertain',
      firstUnansweredAt: state.firstUnansweredAt ?? event.sentAt,
      unanswered: state.unanswered + 1,
      retryAt: null,
      lastFailureAt: at
    }
  }
  // a definite "not consumed" says nothing about an earlier try whose fate is unknown: that one's window still counts
  if (state.phase === 'uncertain') return { ...state, lastFailureAt: at }
  if (outcome === 'unavailable') {
    const failures = state.failures + 1
    return { ...state, phase: 'unavailable', failures, retryAt: at.wall + probeDelayMs(failures - 1, event.retryAfterMs ?? null), lastFailureAt: at }
  }
  if (outcome === 'refused') return { ...state, phase: 'refused', retryAt: at.wall + REFUSAL_COOLDOWN_MS, lastFailureAt: at }
  return state
}

/**
 * @typedef {object} RefreshRules
 * @property {number} graceMs the server's window W (0: no retry with the same token)
 * @property {number} [timeoutMs] the normal request timeout T
 * @property {boolean} [boundRetry] DPoP-bound family with the server's bound-token-retry: an unanswered token may go again
 *   at any time until an answer (contract 2)
 */

/**
 * @typedef {{ action: 'send', delayMs: number, timeoutMs: number }
 *   | { action: 'wait', why: 'unavailable'|'refused', retryAt: number|null }
 *   | { action: 'recover' }} Decision
 *   send: after `delayMs` (ask again after the pause: a sleep may fall into it), aborted after `timeoutMs`; wait: not now
 *   (Keycloak said it is unavailable a moment ago, or refused); recover: the token may be spent, never send it again.
 */

/**
 * What to do with the token now.
 * @param {RefreshState} state
 * @param {Instant} now
 * @param {RefreshRules} rules
 * @param {{ paused?: boolean }} [options] paused: the pause of an earlier `send` decision is over; send now or never
 * @returns {Decision}
 */
export function decide (state, now, rules, options = {}) {
  const timeoutMs = rules.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
  switch (state.phase) {
    case 'fresh':
      return { action: 'send', delayMs: 0, timeoutMs }
    case 'unavailable':
      // a caller that needs a token may probe sooner than the back-off, but not in a burst
      if (state.lastFailureAt != null && elapsedMs(state.lastFailureAt, now) < MIN_PROBE_GAP_MS) {
        return { action: 'wait', why: 'unavailable', retryAt: state.retryAt }
      }
      return { action: 'send', delayMs: 0, timeoutMs }
    case 'refused':
      if (state.retryAt != null && now.wall < state.retryAt) return { action: 'wait', why: 'refused', retryAt: state.retryAt }
      return { action: 'send', delayMs: 0, timeoutMs }
    case 'uncertain': {
      const pause = options.paused ? 0 : RETRY_DELAY_MS * 2 ** Math.max(0, state.unanswered - 1)
      if (rules.boundRetry) return { action: 'send', delayMs: options.paused ? 0 : boundRetryDelayMs(state.unanswered), timeoutMs }
      const since = state.firstUnansweredAt
      if (since == null) return { action: 'recover' }
      const replay = nextReplay({ firstSentAt: 0, now: elapsedMs(since, now), graceMs: rules.graceMs, timeoutMs, delayMs: pause })
      return replay == null ? { action: 'recover' } : { action: 'send', delayMs: pause, timeoutMs: replay.timeoutMs }
    }
    default:
      return { action: 'recover' }
  }
}
