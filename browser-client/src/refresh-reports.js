// @ts-check
/**
 * @file How the token owner's refresh run (refresh-run.js) tells the pages that a refresh did not work, and when the owner
 * tries again: the log line, the `refresh-error` event (`refresh_unavailable`, `refresh_failed`, `offline`,
 * `token_rejected`; the session is kept), the wake-up it schedules, and the error the waiting call gets.
 */
import { RefreshFailedError, RefreshUnavailableError, TokenRejectedError } from './errors.js'

/**
 * @typedef {object} RefreshReportDeps
 * @property {import('./owner.js').TokenOwner} owner
 * @property {import('./refresh-machine.js').Clock} clock
 * @property {import('./network.js').Network} network
 * @property {import('./owner-ports.js').OwnerPorts} ports
 * @property {import('./due-timer.js').DueTimer} timer
 */

export class RefreshReports {
  #d
  #waitingForNetwork = false

  /** @param {RefreshReportDeps} deps */
  constructor (deps) {
    this.#d = deps
  }

  /**
   * Keycloak is unavailable (or a new session is being fetched): the owner tries again at `retryAt`, if given.
   * @param {string} message
   * @param {number|null} retryAt
   */
  unavailable (message, retryAt) {
    if (retryAt != null) this.#d.timer.schedule(retryAt)
    const text = retryAt != null ? `${message}, next try in ${Math.max(0, Math.round((retryAt - this.#d.clock.wall()) / 1000))} s` : message
    return this.#report('refresh_unavailable', text, retryAt, new RefreshUnavailableError(text, retryAt))
  }

  /**
   * The token endpoint refused the refresh (not `invalid_grant`): no new try before `retryAt`.
   * @param {import('./oidc.js').TokenEndpointAnswer} answer
   * @param {number|null} retryAt
   */
  refused (answer, retryAt) {
    if (retryAt != null) this.#d.timer.schedule(retryAt)
    const message = `The token endpoint refused the refresh: HTTP ${answer.status} ${answer.body?.error ?? ''}`.trim()
    const error = typeof answer.body?.error === 'string' ? answer.body.error : null
    return this.#report('refresh_failed', message, retryAt, new RefreshFailedError(message, answer.status ?? 0, error))
  }

  /**
   * Offline: nothing is sent, nothing spent; `wake` runs when the browser is online again.
   * @param {() => void} wake
   */
  offline (wake) {
    if (!this.#waitingForNetwork) {
      this.#waitingForNetwork = true
      this.#d.network.whenOnline().then(() => {
        this.#waitingForNetwork = false
        this.#d.owner.log('refresh', 'The browser is online again')
        wake()
      })
    }
    const message = 'The browser is offline: the session is kept, and refreshed once the network is back'
    return this.#report('offline', message, null, new RefreshUnavailableError(message, null))
  }

  /** The refresh token may be spent and is never sent again: the owner wakes at once to get a new session silently. */
  gaveUp () {
    const message = 'No usable answer from Keycloak in time: the refresh token may have been used, so it is never sent ' +
      'again. Getting a new session silently from the Keycloak SSO session…'
    const error = this.#report('refresh_unavailable', message, null, new RefreshUnavailableError(message, null))
    this.#d.timer.schedule(this.#d.clock.wall())
    return error
  }

  /** The API rejected a token that a refresh after its own 401 produced: refreshing again cannot help. */
  rejectedAgain () {
    const message = 'The API rejects freshly refreshed access tokens too (wrong audience or clock?); not refreshing again for it'
    return this.#report('token_rejected', message, null, new TokenRejectedError(message))
  }

  /**
   * @template {Error} E
   * @param {string} code
   * @param {string} message
   * @param {number|null} retryAt
   * @param {E} error
   * @returns {E}
   */
  #report (code, message, retryAt, error) {
    this.#d.owner.log('error', message)
    this.#d.ports.broadcast('refresh-error', { code, message, retryAt })
    return error
  }
}
