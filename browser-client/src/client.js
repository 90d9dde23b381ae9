// @ts-check
/**
 * @file The page's side: `SilentRefreshClient` offers `init()`, `login()`, `logout()`, `fetch()`, `getAccessToken()` and
 * events, over a link to the token owner (owner-link.js); how the page gets and drops its session is page-session.js. The
 * page never sees the refresh token or the ID token.
 *
 * Events (CustomEvent): `tokens` (a new access token: login, refresh, recovery), `session-ended` (show the login screen;
 * `detail.code`: revoked, expired, logged_out, peer_logout, user_changed), `refresh-error` (Keycloak unavailable, offline, or
 * a refusal; the session is kept), `expiring` (the access token is within `refreshLeadSeconds` of expiry), `owner-restarted`
 * (the token owner died and a new one took over), `log`, `token-request`, `retry`.
 */
import { createAuthFetch, originAllowList, ownerRequests } from './auth-fetch.js'
import { clientOptions } from './client-options.js'
import { DueTimer } from './due-timer.js'
import { SessionEndedError } from './errors.js'
import { decodeJwtPayload } from './jwt.js'
import { OwnerLink } from './owner-link.js'
import { PageLogins } from './page-logins.js'
import { PageSession } from './page-session.js'
import { currentPath, rememberSession, resetTopLevelAttempt } from './page-state.js'
import { SessionWait } from './session-wait.js'

/**
 * @typedef {import('./client-types.js').SilentRefreshOptions} SilentRefreshOptions
 * @typedef {import('./client-types.js').SilentRefreshEventMap} SilentRefreshEventMap
 */

export class SilentRefreshClient extends EventTarget {
  #options
  #link
  /** @type {import('./token-set.js').AccessTokenView|null} */
  #view = null
  /** @type {{ code: string, message: string }|null} */
  #reason = null
  /** @type {{ refreshRequests: number, codeExchanges: number }} */
  #counters = { refreshRequests: 0, codeExchanges: 0 }
  /** @type {Promise<boolean>|null} */
  #initPromise = null
  #loggingOut = false
  /** @type {WeakSet<Response>} */
  #retried = new WeakSet()
  #expiring = new DueTimer(() => this.#emit('expiring', { accessTokenExpiresAt: this.#view?.accessTokenExpiresAt ?? null }))
  #authFetch
  #logins
  #session
  #sessionWait = new SessionWait()

  /** @param {SilentRefreshOptions} options */
  constructor (options) {
    super()
    this.#options = clientOptions(options)
    const o = this.#options
    this.#link = new OwnerLink({
      workerUrl: o.workerUrl,
      name: `silent-refresh:${o.clientId}${o.dpop ? ':dpop' : ''}`,
      configuration: () => ({
        issuer: o.issuer, clientId: o.clientId, scope: o.scope, graceSeconds: o.graceSeconds, refreshLeadSeconds: o.refreshLeadSeconds,
        proactiveRefresh: o.proactiveRefresh, dpop: o.dpop, boundTokenRetry: o.boundTokenRetry
      }),
      onEvent: (message) => this.#onEvent(message),
      onRestart: (why) => this.#ownerRestarted(why)
    })
    this.#logins = new PageLogins({ link: this.#link, clientId: o.clientId, redirectUri: o.redirectUri, log: (kind, message) => this.#log(kind, message) })
    this.#session = new PageSession({
      link: this.#link,
      logins: this.#logins,
      sessionWait: this.#sessionWait,
      clientId: o.clientId,
      page: {
        hasView: () => this.#view != null,
        dropView: () => {
          this.#view = null
          this.#expiring.cancel()
        },
        accept: (view) => this.#accept(view),
        reason: () => this.#reason,
        setReason: (reason) => { this.#reason = reason },
        setCounters: (counters) => { this.#counters = counters },
        loggingOut: () => this.#loggingOut,
        emit: (name, detail) => this.#emit(name, detail),
        log: (kind, message) => this.#log(kind, message)
      }
    })
    this.#authFetch = createAuthFetch({
      token: async () => {
        await this.#sessionWait.ready() // after an owner restart: the new session, not a bare request
        return this.#view == null ? null : this.getAccessToken({ minValidity: 5 }).then(() => this.#view)
      },
      ...ownerRequests(this.#link),
      isAllowed: originAllowList(options.allowedOrigins ?? [], location.origin),
      fetch: o.fetch,
      onRetried: (response) => {
        this.#retried.add(response)
        this.#emit('retry', {})
      }
    })
  }

  /** True while the owner holds a session. */
  get authenticated () { return this.#view != null }
  /** 'shared' (a SharedWorker), 'leader' or 'follower' (one owner elected with Web Locks), 'dedicated' (one per tab). */
  get mode () { return this.#link.mode }
  /** Why there is no session (null while logged in or before anything happened). */
  get reason () { return this.#reason }
  /** Token-endpoint requests the owner has made (the whole browser with one owner, this tab with a dedicated one). */
  get counters () { return { ...this.#counters } }
  get issuer () { return this.#options.issuer }
  get accessTokenExpiresAt () { return this.#view?.accessTokenExpiresAt ?? null }
  get refreshTokenExpiresAt () { return this.#view?.refreshTokenExpiresAt ?? null }
  /** Decoded access-token payload, for display only. */
  get accessTokenClaims () { return this.#view ? decodeJwtPayload(this.#view.accessToken) : null }
  /** Decoded ID-token claims, for display only (the ID token itself stays in the owner). */
  get idTokenClaims () { return this.#view?.idTokenClaims ?? null }
  /** `{ generation, family }` of the refresh token the owner holds, or null. */
  get refreshTokenInfo () { return this.#view ? { generation: this.#view.generation, family: this.#view.family } : null }
  /** 'Bearer' or 'DPoP'. */
  get tokenType () { return this.#view?.tokenType ?? null }

  /**
   * Connects to the owner, handles a login callback in the URL (only one whose `state` this browser stored; the URL is
   * cleaned whatever happens), and otherwise logs in silently from the Keycloak SSO session when this browser had a
   * session before. Resolves true when logged in. A failed init is tried afresh by the next call.
   * @returns {Promise<boolean>}
   */
  init () {
    this.#initPromise ??= this.#session.start().catch((err) => {
      this.#initPromise = null
      throw err
    })
    return this.#initPromise
  }

  /**
   * Redirects to Keycloak's login page.
   * @param {{ prompt?: string }} [options]
   */
  async login (options = {}) {
    const { url } = await this.#link.call('begin-login', {
      prompt: options.prompt ?? null, silent: false, redirectUri: this.#options.redirectUri, returnTo: currentPath()
    })
    location.assign(url)
  }

  /**
   * Ends the session everywhere: the owner POSTs the RP-initiated logout to Keycloak (with the ID token, which no page
   * sees), which ends the SSO session; only then are the tabs told (`session-ended`, `logged_out` here and `peer_logout`
   * elsewhere). Resolves `{ endSessionSent }`: false when Keycloak could not be reached (the tokens are forgotten anyway).
   * @returns {Promise<{ endSessionSent: boolean }>}
   */
  async logout () {
    this.#loggingOut = true
    const result = await this.#link.call('logout', {})
    rememberSession(this.#options.clientId, false)
    this.#logins.tellPeers('session-ended', 'logged_out')
    return { endSessionSent: result?.endSessionSent === true }
  }

  /**
   * An access token valid for at least `minValidity` seconds (refreshed first when needed), like keycloak-js's updateToken.
   * A wish above half the token's lifetime is clamped to half of it (a 60 s token cannot be valid for 120 s).
   * @param {{ minValidity?: number }} [options]
   * @returns {Promise<string>}
   */
  async getAccessToken (options = {}) {
    await this.init()
    await this.#sessionWait.ready()
    const view = await this.#link.call('token', { minValidity: options.minValidity ?? 5 })
    this.#accept(view)
    return view.accessToken
  }

  /**
   * `fetch()` with the access token attached (allowed origins only), one refresh and one retry after a 401 invalid_token.
   * @param {RequestInfo|URL} input
   * @param {RequestInit} [init]
   */
  async fetch (input, init) {
    await this.init().catch(() => false)
    return this.#authFetch(input, init)
  }

  /**
   * `addEventListener` with the event's type checked and its `detail` handed over.
   * @template {keyof SilentRefreshEventMap} K
   * @param {K} type
   * @param {(detail: SilentRefreshEventMap[K]) => void} listener
   * @returns {() => void} removes the listener
   */
  on (type, listener) {
    /** @param {Event} event */
    const handler = (event) => listener(/** @type {CustomEvent<SilentRefreshEventMap[K]>} */ (event).detail)
    this.addEventListener(type, handler)
    return () => this.removeEventListener(type, handler)
  }

  /** @param {Response} response @returns {boolean} whether it is the answer to the single retry after a 401 */
  wasRetried (response) { return this.#retried.has(response) }

  /**
   * Refreshes now, whatever the token's lifetime. A refresh another tab asked for at the same moment counts: when the owner
   * has a newer token than this page had when it asked, that one is the answer.
   */
  async refresh () {
    await this.init()
    this.#accept(await this.#link.call('refresh', { version: this.#view?.version ?? null, owner: this.#view?.owner ?? null }))
  }

  /**
   * Sends an extra request type to the owner (for apps that serve the owner with hooks).
   * @param {string} type
   * @param {Record<string, unknown>} [payload]
   */
  request (type, payload = {}) { return this.#link.call(type, payload) }

  /** Disconnects this page from the owner. */
  dispose () {
    this.#link.close()
    this.#logins.close()
    this.#session.close()
    this.#expiring.cancel()
  }

  // --------------------------------------------------------------------------------------------------------------------

  /**
   * The owner died and a new one took over (page-session.js gets the page a new session).
   * @param {string} why
   */
  #ownerRestarted (why) {
    const recovering = this.#session.afterRestart()
    this.#log('tab', `Token owner restarted (${why})`)
    this.#emit('owner-restarted', { reason: why })
    recovering.catch(() => {})
  }

  /** @param {any} message an event of the owner */
  #onEvent (message) {
    const detail = message.detail
    switch (message.event) {
      case 'tokens':
        this.#counters = detail.counters ?? this.#counters
        this.#accept(detail.view, detail.source)
        if (detail.source !== 'refresh') this.#logins.tellPeers('logged-in')
        break
      case 'session-ended':
        this.#session.ended(String(detail.code), String(detail.message))
        break
      case 'token-request':
        this.#counters = detail.counters ?? this.#counters
        this.#emit('token-request', detail)
        break
      case 'refresh-error':
        this.#emit('refresh-error', detail)
        break
      case 'log':
        this.#emit('log', { ...detail, tabId: this.tabId })
        break
      case 'run-silent-login':
        this.#logins.forOwner(String(detail.url), String(detail.state)).catch(() => {})
        break
    }
  }

  /**
   * @param {import('./token-set.js').AccessTokenView|null} view
   * @param {string} [source]
   */
  #accept (view, source = 'status') {
    if (view == null || typeof view.accessToken !== 'string' || typeof view.version !== 'number') return
    // versions only increase within one owner; a new owner (after a restart) counts anew
    if (this.#view != null && view.owner === this.#view.owner && view.version <= this.#view.version) return
    this.#view = view
    this.#reason = null
    this.#sessionWait.end()
    rememberSession(this.#options.clientId, true)
    resetTopLevelAttempt(this.#options.clientId)
    this.#expiring.schedule(view.accessTokenExpiresAt - Math.min(this.#options.refreshLeadSeconds, view.expiresIn / 3) * 1000)
    this.#emit('tokens', { source, version: view.version, generation: view.generation, family: view.family,
      accessTokenExpiresAt: view.accessTokenExpiresAt, expiresIn: view.expiresIn })
  }

  /** A short random id of this page, for logs. */
  get tabId () { return this.#link.tabId }

  /**
   * @param {string} name
   * @param {unknown} detail
   */
  #emit (name, detail) { this.dispatchEvent(new CustomEvent(name, { detail })) }

  /**
   * @param {string} kind
   * @param {string} message
   */
  #log (kind, message) { this.#emit('log', { time: Date.now(), kind, message, tabId: this.tabId }) }
}

/** Thrown by `getAccessToken()` and `fetch()` when there is no session. */
export { SessionEndedError }
