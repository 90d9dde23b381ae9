/** @param {Clock} clock @returns {Instant} */
export function instantOf(clock: Clock): Instant;
/**
 * Time between two readings: the larger of the monotonic and the wall-clock difference.
 * @param {Instant} since
 * @param {Instant} now
 */
export function elapsedMs(since: Instant, now: Instant): number;
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
export function initialState(): RefreshState;
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
export function transition(state: RefreshState, event: RefreshEvent): RefreshState;
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
export function decide(state: RefreshState, now: Instant, rules: RefreshRules, options?: {
    paused?: boolean;
}): Decision;
/** @typedef {import('./refresh-policy.js').Outcome} Outcome */
/**
 * Two clocks: `monotonic` (ms, e.g. `performance.now()`; stops while the device sleeps) and `wall` (epoch ms, `Date.now()`;
 * runs on during a sleep, may be wrong or be set).
 * @typedef {{ monotonic: () => number, wall: () => number }} Clock
 * @typedef {{ mono: number, wall: number }} Instant a reading of both clocks
 */
/** @type {Clock} */
export const systemClock: Clock;
export type Phase = "fresh" | "uncertain" | "unavailable" | "refused" | "spent";
export type RefreshState = {
    phase: Phase;
    /**
     * when the first try whose fate is unknown was sent (the window counts from it)
     */
    firstUnansweredAt: Instant | null;
    /**
     * tries without a usable answer since then
     */
    unanswered: number;
    /**
     * consecutive "nothing consumed" answers (for the back-off)
     */
    failures: number;
    /**
     * wall-clock ms of the next automatic try (unavailable, refused), for display and the timer
     */
    retryAt: number | null;
    /**
     * when the last try failed
     */
    lastFailureAt: Instant | null;
};
/**
 * answered: a try ended (the owner classified the answer; 'ok' and 'terminal' are handled by the owner); consumed: a 200
 * arrived, so the token is spent whatever happens next; abandoned: the owner gave the token up (no safe try left).
 */
export type RefreshEvent = {
    type: "answered";
    outcome: Outcome;
    sentAt: Instant;
    at: Instant;
    retryAfterMs?: number | null;
} | {
    type: "consumed";
} | {
    type: "abandoned";
};
export type RefreshRules = {
    /**
     * the server's window W (0: no retry with the same token)
     */
    graceMs: number;
    /**
     * the normal request timeout T
     */
    timeoutMs?: number | undefined;
    /**
     * DPoP-bound family with the server's bound-token-retry: an unanswered token may go again
     * at any time until an answer (contract 2)
     */
    boundRetry?: boolean | undefined;
};
/**
 * send: after `delayMs` (ask again after the pause: a sleep may fall into it), aborted after `timeoutMs`; wait: not now
 * (Keycloak said it is unavailable a moment ago, or refused); recover: the token may be spent, never send it again.
 */
export type Decision = {
    action: "send";
    delayMs: number;
    timeoutMs: number;
} | {
    action: "wait";
    why: "unavailable" | "refused";
    retryAt: number | null;
} | {
    action: "recover";
};
export type Outcome = import("./refresh-policy.js").Outcome;
/**
 * Two clocks: `monotonic` (ms, e.g. `performance.now()`; stops while the device sleeps) and `wall` (epoch ms, `Date.now()`;
 * runs on during a sleep, may be wrong or be set).
 */
export type Clock = {
    monotonic: () => number;
    wall: () => number;
};
/**
 * a reading of both clocks
 */
export type Instant = {
    mono: number;
    wall: number;
};
