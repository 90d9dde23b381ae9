// @ts-check
/**
 * @file The silent login that replaces a refresh token that may be spent (the refresh machine gave it up): a `prompt=none`
 * login in a page's hidden iframe against the Keycloak SSO session, one at a time, retried with back-off, after the
 * network is back. `login_required` (the SSO session is over) ends the session; the page has tried its top-level
 * fallback before it says so (page-logins.js).
 */
import { errorText, RefreshUnavailableError, SessionEndedError } from './errors.js'
import { probeDelayMs } from './refresh-policy.js'

export class SpentTokenRecovery {
  #d
  /** @type {Promise<void>|null} */
  #running = null
  #attempts = 0

  /** @param {import('./refresh-run.js').RefreshRunDeps} deps */
  constructor (deps) {
    this.#d = deps
  }

  /** A new token set is installed: the next recovery starts without back-off. */
  reset () { this.#attempts = 0 }

  /**
   * @param {string} why
   * @param {() => Error} offline reports "offline" and arranges the wake-up; returns the error to throw
   */
  run (why, offline) {
    this.#running ??= this.#silentLogin(why, offline).finally(() => { this.#running = null })
    return this.#running
  }

  /**
   * @param {string} why
   * @param {() => Error} offline
   */
  async #silentLogin (why, offline) {
    const { owner, clock, login, ports } = this.#d
    if (!this.#d.network.isOnline()) throw offline()
    const port = ports.lastActive
    if (port == null) throw new RefreshUnavailableError('no page to run a silent login in', null)
    owner.log('login', `Silent login to replace the refresh token (${why})`)
    try {
      const result = await login.runSilent(port)
      if (result.error === 'login_required' || result.error === 'interaction_required') {
        owner.endSession('expired', 'the Keycloak session has ended')
        throw owner.endedError()
      }
      if (result.error) throw new Error(result.error)
    } catch (err) {
      if (err instanceof SessionEndedError) throw err
      const retryAt = clock.wall() + probeDelayMs(this.#attempts++)
      this.#d.timer.schedule(retryAt)
      throw new RefreshUnavailableError(`Silent login failed (${errorText(err)}); retrying shortly`, retryAt)
    }
  }
}
