// @ts-check
/**
 * @file What a page's calls wait for after its token owner restarted. The new owner has no session until it logs in silently
 * from the Keycloak SSO session (or, in a follower tab, until the leader's tab has); a call made in that moment would go out
 * without a token (a 401) or fail with "Not logged in". A page that had a session therefore holds its calls until the new
 * session arrives or is known to be over, at most for a bound, and never sends them without a token in between. While
 * Keycloak does not answer the new owner's silent login, calls fail at once with `refresh_unavailable` (the session is kept).
 */
import { RefreshUnavailableError } from './errors.js'
import { SILENT_LOGIN_TIMEOUT_MS } from './silent-login.js'

/** After an owner restart, calls wait this long at most: a reconnect, a silent login in an iframe, its code exchange. */
export const RESTART_WAIT_MS = SILENT_LOGIN_TIMEOUT_MS + 4000

export class SessionWait {
  /** @type {Promise<boolean>|null} */
  #waiting = null
  /** @type {(done: boolean) => void} */
  #settle = () => {}
  /** @type {RefreshUnavailableError|null} while set, calls fail at once with it */
  #unavailable = null

  /** Whether calls are waiting for a session now. */
  get active () { return this.#waiting != null }

  /**
   * From now on calls wait, at most `timeoutMs`.
   * @param {number} timeoutMs
   */
  begin (timeoutMs) {
    this.#unavailable = null
    if (this.#waiting != null) return
    this.#waiting = new Promise((resolve) => {
      const timer = setTimeout(() => this.#settle(false), timeoutMs)
      this.#settle = (done) => {
        clearTimeout(timer)
        this.#waiting = null
        this.#settle = () => {}
        resolve(done)
      }
    })
  }

  /** The session is back, or it is over: waiting calls go on. */
  end () {
    this.#unavailable = null
    this.#settle(true)
  }

  /**
   * No session for now (Keycloak did not answer): waiting calls and every call until `end()` or `begin()` fail with `error`.
   * @param {RefreshUnavailableError} error
   */
  unavailable (error) {
    this.#unavailable = error
    this.#settle(false)
  }

  /** @returns {Promise<boolean>} true at once or when the wait ended; false when its bound passed first */
  wait () { return this.#waiting ?? Promise.resolve(true) }

  /** Waits; past the bound the call fails (refresh_unavailable) rather than go out without a token. */
  async ready () {
    if (this.#unavailable == null && await this.wait()) return
    if (this.#unavailable != null) throw this.#unavailable
    throw new RefreshUnavailableError('The token owner restarted and is still getting a new session; try again shortly', null)
  }
}
