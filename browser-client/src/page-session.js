// @ts-check
/**
 * @file How a page gets its session from the token owner: at start (a login callback in the URL, the owner's session, or a
 * silent login from the Keycloak SSO session for a new tab), when it comes back (from the back-forward cache or a sleep),
 * and after the owner restarted (owner-link.js): the refresh token died with the old owner, so a page that had a session
 * holds its calls (session-wait.js) and gets a new family with a silent login, as a new tab would. A follower tab leaves
 * that to the tab that now holds the owner, and hears of the new tokens. And how the page drops a session that is over.
 */
import { hadSession, rememberSession } from './page-state.js'
import { RESTART_WAIT_MS } from './session-wait.js'
import { RefreshUnavailableError } from './errors.js'

/**
 * What the page (client.js) lets this file read and change.
 * @typedef {object} PageSessionState
 * @property {() => boolean} hasView whether the page holds a session's view
 * @property {() => void} dropView the old owner's view is void
 * @property {(view: any) => void} accept a view of the owner
 * @property {() => { code: string, message: string }|null} reason
 * @property {(reason: { code: string, message: string }|null) => void} setReason
 * @property {(counters: { refreshRequests: number, codeExchanges: number }) => void} setCounters
 * @property {() => boolean} loggingOut this page is logging out
 * @property {(name: string, detail: unknown) => void} emit an event of the client
 * @property {(kind: string, message: string) => void} log a line of the client's log
 */

/** The silent login after a restart is retried after 2, 4, 8 … s (jittered to half of that at least), at most this. */
export const MAX_SILENT_RETRY_DELAY_MS = 60_000

/**
 * @param {number} attempt 0 for the wait after the first try
 * @param {() => number} [random]
 */
export function silentRetryDelayMs (attempt, random = Math.random) {
  const capped = Math.min(2000 * 2 ** Math.min(attempt, 10), MAX_SILENT_RETRY_DELAY_MS)
  return Math.round(capped / 2 + random() * capped / 2)
}

/**
 * @typedef {object} PageSessionDeps
 * @property {import('./owner-link.js').OwnerLink} link
 * @property {import('./page-logins.js').PageLogins} logins
 * @property {import('./session-wait.js').SessionWait} sessionWait
 * @property {string} clientId
 * @property {PageSessionState} page
 */

export class PageSession {
  #d
  /** restarts so far: a newer restart, or the session's end, stops the retries of an older one */
  #restarts = 0
  #closed = false

  /** @param {PageSessionDeps} deps */
  constructor (deps) {
    this.#d = deps
  }

  /**
   * Connects, takes a login callback in the URL, and otherwise the owner's session, or a silent login when this browser
   * had a session before. Resolves true when logged in.
   * @returns {Promise<boolean>}
   */
  async start () {
    const { link, logins, page } = this.#d
    await link.connect()
    if (link.mode === 'dedicated') logins.listenToPeers({ loggedIn: page.hasView, loggingOut: page.loggingOut })
    window.addEventListener('pagehide', (event) => { if (event.persisted) link.leave(); else link.close() })
    // back from the back-forward cache, or visible again after a sleep: is the owner still there, what does it hold?
    window.addEventListener('pageshow', (event) => { if (event.persisted) this.#resync() })
    document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') this.#resync() })

    page.setReason(await logins.takeCallback())
    const status = await link.call('status', {})
    page.setCounters(status.counters)
    if (status.loggedIn) {
      page.accept(status.view)
      return true
    }
    if (page.reason() == null) page.setReason(status.reason)
    if (hadSession(this.#d.clientId) && page.reason() == null) {
      // a new tab, and no other tab holds the session: ask the Keycloak SSO session, without a click
      if (await logins.silent('logging in from the Keycloak SSO session') === 'logged-in') return true
    }
    return false
  }

  /**
   * The owner restarted. Up to the first `await` this runs at once, before any call made after the restart can look for a
   * token: the calls of a page that had a session wait (bounded) until the new owner has one.
   */
  async afterRestart () {
    const { link, sessionWait, page } = this.#d
    const restart = ++this.#restarts
    const hadOne = page.hasView() || hadSession(this.#d.clientId)
    if (hadOne) sessionWait.begin(RESTART_WAIT_MS)
    try {
      const status = await link.call('status', {})
      if (status.loggedIn) {
        page.accept(status.view)
        return
      }
      if (link.mode === 'follower' || !hadOne) return
      page.dropView()
      await this.#silentAfterRestart(restart)
    } catch {}
    if (!page.hasView() && link.mode !== 'follower' && restart === this.#restarts) sessionWait.end()
  }

  /**
   * The new owner's silent login, tried again while Keycloak does not answer (slow or unreachable: no honest user is
   * logged out by that), with a back-off that doubles up to a cap and is jittered, so tabs do not retry in step. Meanwhile
   * calls fail at once with `refresh_unavailable` and the page hears `refresh-error`, as when Keycloak is unavailable for a
   * refresh. It ends with the session back, with Keycloak's answer that there is none (the session ended), or when
   * something else decided first (tokens from another tab, a logout, another restart, `close()`).
   * @param {number} restart
   */
  async #silentAfterRestart (restart) {
    const { logins, sessionWait, page } = this.#d
    const current = () => restart === this.#restarts && !this.#closed && !page.hasView()
    for (let attempt = 0; current(); attempt++) {
      const outcome = await logins.silent(attempt === 0 ? 'the token owner restarted' : `the token owner restarted, try ${attempt + 1}`)
        .catch(() => /** @type {const} */ ('no-answer')) // the owner or Keycloak's discovery could not be reached
      if (outcome === 'logged-in' || !current()) return
      if (outcome === 'no-session') return this.ended('expired', 'the Keycloak session has ended')
      const delayMs = silentRetryDelayMs(attempt)
      const retryAt = Date.now() + delayMs
      const message = `Keycloak did not answer the silent login after the token owner restarted; the session is kept, next try in ${Math.round(delayMs / 1000)} s`
      sessionWait.unavailable(new RefreshUnavailableError(message, retryAt))
      page.log('error', message)
      page.emit('refresh-error', { code: 'refresh_unavailable', message, retryAt })
      await new Promise((resolve) => setTimeout(resolve, delayMs))
    }
  }

  /**
   * The session is over (the owner said so): the page drops it and shows why; a logout started elsewhere is told as one.
   * @param {string} ownerCode revoked, expired, logged_out, user_changed
   * @param {string} message
   */
  ended (ownerCode, message) {
    const { page, logins, link } = this.#d
    this.#restarts++ // a silent login still being retried after a restart stops
    const code = ownerCode === 'logged_out' && !page.loggingOut() ? 'peer_logout' : ownerCode
    const text = code === 'peer_logout' ? 'You logged out in another tab.' : message
    page.dropView()
    this.#d.sessionWait.end()
    page.setReason({ code, message: text })
    if (code !== 'user_changed') rememberSession(this.#d.clientId, false)
    if (!page.loggingOut() && link.mode === 'dedicated') logins.tellPeers('session-ended', code === 'peer_logout' ? 'logged_out' : undefined)
    page.emit('session-ended', { code, reason: text })
  }

  /** The page is disposed: nothing more is retried. */
  close () { this.#closed = true }

  async #resync () {
    try {
      await this.#d.link.check()
      const status = await this.#d.link.call('status', {})
      if (status.loggedIn) this.#d.page.accept(status.view)
    } catch {}
  }
}
