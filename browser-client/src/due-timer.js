// @ts-check
/**
 * @file A timer for a due time that may be days away. `setTimeout` treats delays above 2³¹−1 ms as 0 and fires at once
 * (a 30-day token then refreshes in a loop), and its clock stops while a laptop sleeps. So this timer never waits longer
 * than one poll interval, and on every wake-up compares the wall clock with the due time (as oidc-client-ts's timer does).
 */

/** The longest single wait; also how late a due time can be noticed after a sleep. */
export const POLL_INTERVAL_MS = 5000

export class DueTimer {
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  #handle
  #dueAt = Infinity
  #callback
  #now

  /**
   * @param {() => void} callback called once per {@link schedule}, at or after the due time
   * @param {() => number} [now] the wall clock (local epoch ms)
   */
  constructor (callback, now = Date.now) {
    this.#callback = callback
    this.#now = now
  }

  /**
   * (Re)arms the timer for `dueAt` (local epoch ms). Non-finite or NaN due times disarm it.
   * @param {number} dueAt
   */
  schedule (dueAt) {
    this.cancel()
    if (!Number.isFinite(dueAt)) return
    this.#dueAt = dueAt
    this.#arm()
  }

  cancel () {
    clearTimeout(this.#handle)
    this.#handle = undefined
    this.#dueAt = Infinity
  }

  #arm () {
    const wait = Math.min(Math.max(0, this.#dueAt - this.#now()), POLL_INTERVAL_MS)
    this.#handle = setTimeout(() => {
      this.#handle = undefined
      if (this.#now() >= this.#dueAt) this.#fire()
      else this.#arm()
    }, wait)
  }

  #fire () {
    clearTimeout(this.#handle)
    this.#handle = undefined
    this.#dueAt = Infinity
    this.#callback()
  }
}
