/**
 * @file A timer for a due time that may be days away. `setTimeout` treats delays above 2³¹−1 ms as 0 and fires at once
 * (a 30-day token then refreshes in a loop), and its clock stops while a laptop sleeps. So this timer never waits longer
 * than one poll interval, and on every wake-up compares the wall clock with the due time (as oidc-client-ts's timer does).
 */
/** The longest single wait; also how late a due time can be noticed after a sleep. */
export const POLL_INTERVAL_MS: 5000;
export class DueTimer {
    /**
     * @param {() => void} callback called once per {@link schedule}, at or after the due time
     * @param {() => number} [now] the wall clock (local epoch ms)
     */
    constructor(callback: () => void, now?: () => number);
    /**
     * (Re)arms the timer for `dueAt` (local epoch ms). Non-finite or NaN due times disarm it.
     * @param {number} dueAt
     */
    schedule(dueAt: number): void;
    cancel(): void;
    #private;
}
