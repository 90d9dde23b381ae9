// @ts-check
/**
 * @file The rules a refresh follows, as pure functions: what a token-endpoint answer means, whether the same refresh token
 * may be presented once more, and how long to wait before probing Keycloak again.
 *
 * The server's contract (the refresh-token-rotation executor): a refresh token is single-use. For `grace-period-seconds`
 * (W) after a rotation, ONLY the token that rotation consumed may be presented again, and it receives a sibling of the
 * newest token; any other old token, or that one after the window, is reuse and revokes the session. The client cannot
 * know when Keycloak processed its request, only when it sent it, and Keycloak processes a request no earlier than that.
 * So a retry with the same token is safe only while it surely arrives inside the window counted from the FIRST send whose
 * fate is unknown, measured as the larger of the monotonic and the wall-clock time since (refresh-machine.js):
 *
 *     first send at 0 ── no answer by the timeout T (request aborted) or a network error ──> wait D, send again,
 *     and give that retry at most until W − M to answer (its own abort deadline). Further pauses double (2D, 4D, …).
 *     Retries stop once less than MIN_REPLAY_BUDGET_MS is left before W − M.
 *
 * With the demo realm's W = 10 s: T = 4 s, D = 0.5 s, M = 2 s, so the first retry leaves at ≤ 4.5 s and is aborted at
 * 8 s at the latest: T + D + (retry budget 3.5 s) = 8 s < W = 10 s, a 2 s margin for a request still on the wire when it is
 * aborted. A larger W allows more retries; W ≤ T + D + M + MIN_REPLAY_BUDGET_MS (7.5 s) allows none.
 *
 * Answers that are definite need no window: 200 (new tokens; the old token is spent whatever happens next), 400
 * invalid_grant (terminal), the executor's own 503 (`"refresh_token_consumed": false`: nothing consumed, the same token
 * stays the newest and may go again at any time), other 4xx (refused, not consumed: a cooldown). Every other answer —
 * none, a timeout, any other 5xx, a 503 without that mark, 429, a 200 without tokens — may come after Keycloak rotated.
 */

export const DEFAULT_REQUEST_TIMEOUT_MS = 4000
export const RETRY_DELAY_MS = 500
export const WINDOW_MARGIN_MS = 2000
export const MIN_REPLAY_BUDGET_MS = 1000
/** After a refusal other than invalid_grant (e.g. 401 invalid_client), no automatic refresh for this long. */
export const REFUSAL_COOLDOWN_MS = 30_000
/** Caps the back-off between automatic probes while Keycloak is unavailable; a call that needs a token probes sooner. */
export const MAX_PROBE_DELAY_MS = 15_000
/** Caps the pause between tries of a DPoP-bound token under bound-token-retry (which has no window). */
export const MAX_BOUND_RETRY_DELAY_MS = 15_000
/** A call that needs a token may start a probe when the previous one ended at least this long ago. */
export const MIN_PROBE_GAP_MS = 1000

/**
 * @typedef {'ok'|'terminal'|'unavailable'|'uncertain'|'refused'} Outcome
 *   ok: new tokens. terminal: invalid_grant, the session is over. unavailable: the executor answered that it consumed
 *   nothing (its own 503, contract 1), the token is still good. uncertain: no answer, or one that does not say whether the
 *   token was consumed (network error, timeout, any other 5xx, 429, a 200 without tokens). refused: another 4xx; the token
 *   was not consumed.
 */

/**
 * @param {number|null} status HTTP status, or null when no answer arrived (network error, abort).
 * @param {any} body the parsed JSON body, if any
 * @returns {Outcome}
 */
export function classifyTokenResponse (status, body) {
  if (status == null) return 'uncertain'
  if (status === 200) return body != null && typeof body.access_token === 'string' ? 'ok' : 'uncertain'
  if (status === 400 && body?.error === 'invalid_grant') return 'terminal'
  if (status === 503 && body?.refresh_token_consumed === false) return 'unavailable'
  if (status >= 500 || status === 408 || status === 429) return 'uncertain'
  return 'refused'
}

/**
 * Whether the same refresh token may be sent once more after an uncertain outcome, and with which abort deadline.
 * `firstSentAt` and `now` are on one time line: refresh-machine.js passes 0 and the elapsed time (the larger of the
 * monotonic and the wall-clock difference), so neither a sleep nor a clock step can stretch the window.
 * @param {object} timing
 * @param {number} timing.firstSentAt when the token was first sent
 * @param {number} timing.now
 * @param {number} timing.graceMs the server's window W
 * @param {number} [timing.timeoutMs] the normal request timeout T
 * @param {number} [timing.delayMs] the pause D before the retry
 * @param {number} [timing.marginMs] M
 * @returns {{ sendAt: number, timeoutMs: number }|null} null: no safe retry left
 */
export function nextReplay ({ firstSentAt, now, graceMs, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS, delayMs = RETRY_DELAY_MS, marginMs = WINDOW_MARGIN_MS }) {
  if (!(graceMs > 0)) return null
  const sendAt = now + delayMs
  const budget = firstSentAt + graceMs - marginMs - sendAt
  if (budget < MIN_REPLAY_BUDGET_MS) return null
  return { sendAt, timeoutMs: Math.min(timeoutMs, budget) }
}

/**
 * Back-off before automatic probe number `attempt + 1` while Keycloak is unavailable: 1 s, 2 s, 4 s, … capped, or the
 * server's Retry-After when it asks for longer (also capped).
 * @param {number} attempt 0 after the first failure
 * @param {number|null} [retryAfterMs]
 */
export function probeDelayMs (attempt, retryAfterMs = null) {
  const n = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0
  const backoff = Math.min(1000 * 2 ** Math.min(n, 20), MAX_PROBE_DELAY_MS)
  return Math.min(Math.max(backoff, retryAfterMs ?? 0), MAX_PROBE_DELAY_MS)
}

/**
 * Pause before try number `attempt + 1` of a DPoP-bound token under bound-token-retry: 0.5, 1, 2, 4 … s, capped.
 * @param {number} attempt 1 after the first unanswered try
 */
export function boundRetryDelayMs (attempt) {
  const n = Number.isFinite(attempt) && attempt > 1 ? Math.floor(attempt) - 1 : 0
  return Math.min(RETRY_DELAY_MS * 2 ** Math.min(n, 20), MAX_BOUND_RETRY_DELAY_MS)
}

/**
 * Seconds or HTTP-date form of Retry-After, in ms; null if absent or unparsable.
 * @param {string|null} value
 * @param {number} now local epoch ms
 */
export function parseRetryAfterMs (value, now) {
  if (value == null || value.trim() === '') return null
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? null : Math.max(0, at - now)
}
