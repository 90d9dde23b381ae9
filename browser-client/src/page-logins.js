// @ts-check
/**
 * @file The page's part of logins without a click: a `prompt=none` login in a hidden iframe (for a new tab, or when the
 * owner must replace a spent refresh token), and, where the iframe cannot see Keycloak's cookies (Safari ITP, third-party
 * cookies blocked, Keycloak on another site: the answer is `login_required`), the same request once as a top-level redirect
 * before the login screen shows (as keycloak-js's `silentCheckSsoFallback`). At most one redirect per tab until a session
 * is installed again (page-state.js), so a Keycloak without a session cannot make a loop.
 */
import { frameNameFor } from './frame-callback.js'
import { callbackState } from './oidc.js'
import { cleanPath, currentPath, rememberSession, takeTopLevelAttempt } from './page-state.js'
import { runSilentLogin, SILENT_LOGIN_TIMEOUT_MS } from './silent-login.js'

/**
 * @typedef {object} PageLoginDeps
 * @property {import('./owner-link.js').OwnerLink} link
 * @property {string} clientId
 * @property {string} redirectUri
 * @property {(kind: string, message: string) => void} log
 * @property {(url: string) => void} [navigate] default `location.assign`
 * @property {(url: string, timeoutMs: number, frameName: string) => Promise<import('./silent-login.js').SilentAnswer>} [runSilent]
 *   default: the hidden iframe (silent-login.js)
 */

/** A hint from another tab triggers at most one check per this. */
const HINT_MIN_INTERVAL_MS = 5000

export class PageLogins {
  #d
  /** @type {BroadcastChannel|null} */
  #hints = null
  #lastHintAt = -Infinity

  /** @param {PageLoginDeps} deps */
  constructor (deps) {
    this.#d = deps
  }

  /**
   * The page's URL as an authorization response: handed to the owner (which takes only a `state` it has pending), and
   * code and state removed from the address bar whatever happens.
   * @returns {Promise<{ code: string, message: string }|null>} why the login failed, or null
   */
  async takeCallback () {
    if (callbackState(location.href) == null) return null
    try {
      const result = await this.#d.link.call('callback', { href: location.href })
      history.replaceState(history.state, '', cleanPath(result.returnTo, location))
      if (!result.handled || result.loggedIn) return null
      return { code: result.error === 'login_required' ? 'silent_login_failed' : 'login_error', message: result.message }
    } finally {
      history.replaceState(history.state, '', cleanPath(null, location))
    }
  }

  /**
   * A silent login for this page. Resolves `logged-in`; `no-session` when Keycloak answered that it has no session to use
   * without the user (`login_required`, `interaction_required`, …); `no-answer` when no answer came (the iframe timed out,
   * Keycloak slow or unreachable) or the code could not be exchanged. Never resolves when it leaves for the top-level redirect.
   * @param {string} why
   * @returns {Promise<'logged-in'|'no-session'|'no-answer'>}
   */
  async silent (why) {
    const { link } = this.#d
    this.#d.log('login', `Silent login (${why})`)
    const { url } = await link.call('begin-login', { prompt: 'none', silent: true, returnTo: currentPath() })
    let answer
    try {
      answer = await this.#iframe(url)
    } catch (err) {
      this.#d.log('login', `Silent login did not answer (${err instanceof Error ? err.message : err})`)
      return 'no-answer'
    }
    if (answer.outcome != null) {
      // the callback page handed the code to the owner itself
      if (answer.outcome.loggedIn) return 'logged-in'
      this.#d.log('login', `Silent login: ${answer.outcome.error ?? 'failed'}`)
      return 'no-answer'
    }
    if (await this.#fallBack(answer.href)) return new Promise(() => {}) // the page is leaving
    const result = await link.call('callback', { href: answer.href })
    if (result.loggedIn) return 'logged-in'
    if (result.error === 'login_required') rememberSession(this.#d.clientId, false)
    this.#d.log('login', `Silent login: ${result.error ?? 'failed'}`)
    return new URL(answer.href).searchParams.has('error') ? 'no-session' : 'no-answer'
  }

  /**
   * The owner needs a silent login (its refresh token may be spent): run it in this page's iframe and hand the answer over.
   * @param {string} url
   * @param {string} state
   */
  async forOwner (url, state) {
    const { link } = this.#d
    let answer
    try {
      answer = await this.#iframe(url)
    } catch (err) {
      await link.call('silent-login-failed', { state, error: err instanceof Error ? err.message : 'failed' })
      return
    }
    if (answer.outcome != null) {
      // the owner had the code from the callback page (and settled its login), unless it never reached the owner
      if (!answer.outcome.handled) await link.call('silent-login-failed', { state, error: answer.outcome.error ?? 'failed' })
      return
    }
    if (await this.#fallBack(answer.href)) return
    await link.call('callback', { href: answer.href })
  }

  /**
   * Per-tab owners only (no SharedWorker, no Web Locks): tabs have separate families and tell each other, without tokens or
   * trust, that a session started or ended; a tab that hears it asks Keycloak itself, so a forged hint costs one request.
   * @param {{ loggedIn: () => boolean, loggingOut: () => boolean }} page
   */
  listenToPeers (page) {
    if (typeof globalThis.BroadcastChannel !== 'function' || this.#hints != null) return
    this.#hints = new BroadcastChannel(`silent-refresh:${this.#d.clientId}:hints`)
    this.#hints.onmessage = (event) => {
      const type = event.data?.type
      if (type !== 'logged-in' && type !== 'session-ended') return
      if (performance.now() - this.#lastHintAt < HINT_MIN_INTERVAL_MS) return
      this.#lastHintAt = performance.now()
      const hint = event.data?.reason === 'logged_out' ? 'logged_out' : null
      if (type === 'session-ended' && page.loggedIn()) this.#d.link.call('verify', { hint }).catch(() => {})
      if (type === 'logged-in' && !page.loggedIn() && !page.loggingOut()) {
        rememberSession(this.#d.clientId, true)
        this.silent('another tab logged in').catch(() => {})
      }
    }
  }

  /**
   * Tells the other tabs (per-tab owners only).
   * @param {'logged-in'|'session-ended'} type
   * @param {'logged_out'} [reason] the session ended because the user logged out (the other tabs say so, once Keycloak
   *   confirms the session is over)
   */
  tellPeers (type, reason) { this.#hints?.postMessage(reason ? { type, reason } : { type }) }

  close () { this.#hints?.close() }

  /**
   * The iframe, named with the owner's address so that its callback page hands a code to the owner, not to this page.
   * @param {string} url
   */
  #iframe (url) {
    const address = this.#d.link.ownerAddress
    return (this.#d.runSilent ?? runSilentLogin)(url, SILENT_LOGIN_TIMEOUT_MS, address == null ? '' : frameNameFor(address))
  }

  /**
   * After `login_required` in the iframe: the top-level redirect, if this tab has not tried it yet.
   * @param {string} href the iframe's callback URL
   * @returns {Promise<boolean>} whether the page is leaving for it
   */
  async #fallBack (href) {
    if (new URL(href).searchParams.get('error') !== 'login_required' || !takeTopLevelAttempt(this.#d.clientId)) return false
    this.#d.log('login', 'The hidden iframe saw no Keycloak session (its cookies may be blocked): trying once with a redirect')
    const { url } = await this.#d.link.call('begin-login', { prompt: 'none', silent: false, redirectUri: this.#d.redirectUri, returnTo: currentPath() })
    ;(this.#d.navigate ?? ((u) => location.assign(u)))(url)
    return true
  }
}
