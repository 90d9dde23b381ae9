// @ts-check
/**
 * @file The page's side: `SilentRefreshClient` connects to the token owner (a SharedWorker, or a dedicated worker per tab
 * where SharedWorker is missing), and offers `init()`, `login()`, `logout()`, `fetch()`, `getAccessToken()` and events.
 * The page never sees the refresh token.
 *
 * Events (CustomEvent): `tokens` (a new access token: login, refresh, recovery), `session-ended` (show the login screen;
 * `detail.code`: revoked, expired, logged_out, peer_logout, user_changed), `refresh-error` (Keycloak unavailable or a refusal;
 * the session is kept), `expiring` (the access token is within `refreshLeadSeconds` of expiry), `log`, `token-request`,
 * `retry`.
 */
import { createAuthFetch, originAllowList } from './auth-fetch.js'
import { DueTimer } from './due-timer.js'
import { fromErrorData, SessionEndedError } from './errors.js'
import { decodeJwtPayload, randomUrlSafe } from './jwt.js'
import { callbackState } from './oidc.js'
import { runSilentLogin } from './silent-login.js'

const REQUEST_TIMEOUT_MS = 30_000
const SILENT_LOGIN_TIMEOUT_MS = 8000
const HINT_MIN_INTERVAL_MS = 5000

/**
 * @typedef {object} SilentRefreshOptions
 * @property {string} issuer e.g. `http://localhost:8080/realms/demo`; endpoints come from its discovery document
 * @property {string} clientId public client (authorization code + PKCE S256)
 * @property {string} [redirectUri] default `location.origin + '/'`
 * @property {string} [postLogoutRedirectUri] default `redirectUri`
 * @property {string} [scope] default `'openid profile email'`
 * @property {number} [graceSeconds] the server's grace window for retried refreshes (refresh-token-rotation's
 *   `grace-period-seconds`); 0 disables retries with the same token
 * @property {number} [refreshLeadSeconds] proactive refresh this long before expiry (at most a third of the lifetime); default 15
 * @property {boolean} [proactiveRefresh] false: refresh only when a call needs it
 * @property {boolean} [dpop] bind tokens to a non-extractable DPoP key (the client must allow DPoP in Keycloak)
 * @property {string[]} [allowedOrigins] origins `fetch()` attaches the token to; default this page's origin
 * @property {string|URL} [workerUrl] the owner's worker script; default `owner-worker.js` beside this file
 * @property {typeof fetch} [fetch]
 */

/**
 * The events of {@link SilentRefreshClient} and their `detail`.
 * @typedef {object} SilentRefreshEventMap
 * @property {{ source: string, version: number, generation: number|null, family: string|null, accessTokenExpiresAt: number, expiresIn: number }} tokens
 * @property {{ code: string, reason: string }} session-ended
 * @property {{ code: string, message: string, retryAt: number|null }} refresh-error
 * @property {{ accessTokenExpiresAt: number|null }} expiring
 * @property {{ time: number, kind: string, message: string, tabId: string }} log
 * @property {{ grantType: 'refresh_token'|'authorization_code', attempt: number, counters: { refreshRequests: number, codeExchanges: number } }} token-request
 * @property {{}} retry
 */

export class SilentRefreshClient extends EventTarget {
  #options
  /** @type {{ postMessage(m: any): void }|null} */
  #port = null
  /** @type {'shared'|'dedicated'|null} */
  #mode = null
  #nextId = 1
  /** @type {Map<number, { resolve: (v: any) => void, reject: (e: unknown) => void, timer: ReturnType<typeof setTimeout> }>} */
  #calls = new Map()
  /** @type {import('./token-set.js').AccessTokenView|null} */
  #view = null
  /** @type {{ code: string, message: string }|null} */
  #reason = null
  /** @type {{ refreshRequests: number, codeExchanges: number }} */
  #counters = { refreshRequests: 0, codeExchanges: 0 }
  /** @type {Promise<boolean>|null} */
  #initPromise = null
  #loggingOut = false
  #tabId = randomUrlSafe(4).slice(0, 6)
  /** @type {BroadcastChannel|null} */
  #hints = null
  #lastHintAt = -Infinity
  /** @type {WeakSet<Response>} */
  #retried = new WeakSet()
  #expiring = new DueTimer(() => this.#emit('expiring', { accessTokenExpiresAt: this.#view?.accessTokenExpiresAt ?? null }))
  #authFetch

  /** @param {SilentRefreshOptions} options */
  constructor (options) {
    super()
    for (const name of /** @type {const} */ (['issuer', 'clientId'])) {
      if (typeof options?.[name] !== 'string' || options[name] === '') throw new TypeError(`options.${name} must be a non-empty string`)
    }
    const redirectUri = options.redirectUri ?? `${location.origin}/`
    this.#options = Object.freeze({
      issuer: options.issuer.replace(/\/+$/, ''),
      clientId: options.clientId,
      redirectUri,
      postLogoutRedirectUri: options.postLogoutRedirectUri ?? redirectUri,
      scope: options.scope ?? 'openid profile email',
      graceSeconds: options.graceSeconds ?? 0,
      refreshLeadSeconds: options.refreshLeadSeconds ?? 15,
      proactiveRefresh: options.proactiveRefresh ?? true,
      dpop: options.dpop ?? false,
      workerUrl: options.workerUrl ?? new URL('./owner-worker.js', import.meta.url),
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis)
    })
    this.#authFetch = createAuthFetch({
      token: async () => (this.#view == null ? null : this.getAccessToken({ minValidity: 5 }).then(() => this.#view)),
      rejected: async (version) => {
        try {
          return /** @type {import('./token-set.js').AccessTokenView} */ (await this.#call('rejected', { version }))
        } catch (err) {
          if (/** @type {any} */ (err)?.code === 'token_rejected') return null
          throw err
        }
      },
      proof: async (view, htm, htu, nonce) => (await this.#call('proof', { version: view.version, htm, htu, nonce })).proof,
      isAllowed: originAllowList(options.allowedOrigins ?? [], location.origin),
      fetch: this.#options.fetch,
      onRetried: (response) => {
        this.#retried.add(response)
        this.#emit('retry', {})
      }
    })
  }

  /** True while the owner holds a session. */
  get authenticated () { return this.#view != null }
  /** 'shared' (one owner for the browser) or 'dedicated' (one per tab), once connected. */
  get mode () { return this.#mode }
  /** A short random id of this page, for logs. */
  get tabId () { return this.#tabId }
  get issuer () { return this.#options.issuer }
  /** Why there is no session (null while logged in or before anything happened). */
  get reason () { return this.#reason }
  /** Token-endpoint requests the owner has made (the whole browser in shared mode, this tab in dedicated mode). */
  get counters () { return { ...this.#counters } }
  get accessTokenExpiresAt () { return this.#view?.accessTokenExpiresAt ?? null }
  get refreshTokenExpiresAt () { return this.#view?.refreshTokenExpiresAt ?? null }
  /** Decoded access-token payload, for display only. */
  get accessTokenClaims () { return this.#view ? decodeJwtPayload(this.#view.accessToken) : null }
  /** Decoded ID-token payload, for display only. */
  get idTokenClaims () { return this.#view?.idTokenClaims ?? null }
  /** `{ generation, family }` of the refresh token the owner holds, or null. */
  get refreshTokenInfo () { return this.#view ? { generation: this.#view.generation, family: this.#view.family } : null }
  /** 'Bearer' or 'DPoP'. */
  get tokenType () { return this.#view?.tokenType ?? null }

  /**
   * Connects to the owner, handles a login callback in the URL (only one whose `state` this browser stored), and otherwise
   * logs in silently from the Keycloak SSO session when this browser had a session before. Resolves true when logged in.
   * @returns {Promise<boolean>}
   */
  init () {
    this.#initPromise ??= this.#doInit()
    return this.#initPromise
  }

  /**
   * Redirects to Keycloak's login page.
   * @param {{ prompt?: string }} [options]
   */
  async login (options = {}) {
    await this.#connect()
    const { url } = await this.#call('begin-login', {
      prompt: options.prompt ?? null, silent: false, redirectUri: this.#options.redirectUri, returnTo: currentPath()
    })
    location.assign(url)
  }

  /**
   * Ends the session everywhere: the owner forgets the tokens and tells every tab, then this page POSTs an RP-initiated
   * logout to Keycloak (the ID token as `id_token_hint` in the form body, not in a URL), which ends the SSO session.
   */
  async logout () {
    await this.#connect()
    this.#loggingOut = true
    this.#hints?.postMessage({ type: 'session-ended' })
    const { endSessionEndpoint, idToken, clientId } = await this.#call('logout', {})
    setSessionHint(this.#options.clientId, false)
    if (endSessionEndpoint == null) return
    const form = document.createElement('form')
    form.method = 'POST'
    form.action = endSessionEndpoint
    form.hidden = true
    /** @type {Record<string, string>} */
    const fields = { client_id: clientId, post_logout_redirect_uri: this.#options.postLogoutRedirectUri }
    if (idToken) fields.id_token_hint = idToken
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement('input')
      input.type = 'hidden'
      input.name = name
      input.value = value
      form.append(input)
    }
    document.body.append(form)
    form.submit()
  }

  /**
   * An access token valid for at least `minValidity` seconds (refreshed first when needed), like keycloak-js's updateToken.
   * @param {{ minValidity?: number }} [options]
   * @returns {Promise<string>}
   */
  async getAccessToken (options = {}) {
    await this.init()
    const view = await this.#call('token', { minValidity: options.minValidity ?? 5 })
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
   * Refreshes now, whatever the token's lifetime (a refresh another tab's page asked for at the same moment counts).
   */
  async refresh () {
    await this.init()
    this.#accept(await this.#call('refresh', {}))
  }

  /**
   * Sends an extra request type to the owner (for apps that serve the owner with hooks).
   * @param {string} type
   * @param {Record<string, unknown>} [payload]
   */
  request (type, payload = {}) { return this.#connect().then(() => this.#call(type, payload)) }

  /** Disconnects this page from the owner. */
  dispose () {
    this.#port?.postMessage({ type: 'bye' })
    this.#hints?.close()
    this.#expiring.cancel()
  }

  // --------------------------------------------------------------------------------------------------------------------

  async #doInit () {
    await this.#connect()
    window.addEventListener('pagehide', () => this.#port?.postMessage({ type: 'bye' }))
    window.addEventListener('pageshow', (event) => { if (event.persisted) this.#resync() })
    document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') this.#resync() })

    if (callbackState(location.href) != null) {
      const result = await this.#call('callback', { href: location.href })
      if (result.handled) {
        history.replaceState(history.state, '', safeReturnPath(result.returnTo))
        if (!result.loggedIn) this.#reason = { code: result.error === 'login_required' ? 'silent_login_failed' : 'login_error', message: result.message }
      }
    }
    const status = await this.#call('status', {})
    this.#counters = status.counters
    if (status.loggedIn) {
      this.#accept(status.view)
      return true
    }
    this.#reason ??= status.reason
    if (hasSessionHint(this.#options.clientId) && this.#reason == null) {
      // a new tab, and no other tab holds the session: ask the Keycloak SSO session, without a click
      if (await this.#silentLogin('logging in from the Keycloak SSO session')) return true
    }
    return false
  }

  /** @param {string} why */
  async #silentLogin (why) {
    this.#log('login', `Silent login (${why})`)
    const { url } = await this.#call('begin-login', { prompt: 'none', silent: true, returnTo: currentPath() })
    let href
    try {
      href = await runSilentLogin(url, SILENT_LOGIN_TIMEOUT_MS)
    } catch (err) {
      this.#log('login', `Silent login did not answer (${err instanceof Error ? err.message : err})`)
      return false
    }
    const result = await this.#call('callback', { href })
    if (result.loggedIn) return true
    if (result.error === 'login_required') setSessionHint(this.#options.clientId, false)
    this.#log('login', `Silent login: ${result.error ?? 'failed'}`)
    return false
  }

  async #resync () {
    if (this.#port == null) return
    try {
      const status = await this.#call('status', {})
      if (status.loggedIn) this.#accept(status.view)
    } catch {}
  }

  async #connect () {
    if (this.#port) return
    const name = `silent-refresh:${this.#options.clientId}${this.#options.dpop ? ':dpop' : ''}`
    if (typeof globalThis.SharedWorker === 'function') {
      const worker = new SharedWorker(this.#options.workerUrl, { type: 'module', name })
      worker.port.onmessage = (event) => this.#onMessage(event.data)
      worker.port.start()
      this.#port = worker.port
      this.#mode = 'shared'
    } else {
      const worker = new Worker(this.#options.workerUrl, { type: 'module', name })
      worker.onmessage = (event) => this.#onMessage(event.data)
      this.#port = worker
      this.#mode = 'dedicated'
      this.#openHints()
    }
    await this.#call('configure', {
      config: {
        issuer: this.#options.issuer,
        clientId: this.#options.clientId,
        scope: this.#options.scope,
        graceSeconds: this.#options.graceSeconds,
        refreshLeadSeconds: this.#options.refreshLeadSeconds,
        proactiveRefresh: this.#options.proactiveRefresh,
        dpop: this.#options.dpop
      }
    })
  }

  /**
   * Dedicated mode only: tabs have separate families, and tell each other (no tokens, no trust) that a session started or
   * ended; a tab that hears it asks Keycloak itself, so a forged hint costs at most one request.
   */
  #openHints () {
    if (typeof globalThis.BroadcastChannel !== 'function') return
    this.#hints = new BroadcastChannel(`silent-refresh:${this.#options.clientId}:hints`)
    this.#hints.onmessage = (event) => {
      const type = event.data?.type
      if (type !== 'logged-in' && type !== 'session-ended') return
      if (performance.now() - this.#lastHintAt < HINT_MIN_INTERVAL_MS) return
      this.#lastHintAt = performance.now()
      if (type === 'session-ended' && this.#view != null) this.#call('verify', {}).catch(() => {})
      if (type === 'logged-in' && this.#view == null && !this.#loggingOut) {
        setSessionHint(this.#options.clientId, true)
        this.#silentLogin('another tab logged in').catch(() => {})
      }
    }
  }

  /**
   * @param {string} type
   * @param {Record<string, unknown>} payload
   * @returns {Promise<any>}
   */
  #call (type, payload) {
    const port = this.#port
    if (port == null) return Promise.reject(new Error('not connected'))
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#calls.delete(id)
        reject(new Error(`the token owner did not answer ${type}`))
      }, REQUEST_TIMEOUT_MS)
      this.#calls.set(id, { resolve, reject, timer })
      port.postMessage({ ...payload, id, type })
    })
  }

  /** @param {any} message */
  #onMessage (message) {
    if (message == null || typeof message !== 'object') return
    if (typeof message.id === 'number') {
      const call = this.#calls.get(message.id)
      if (call == null) return
      this.#calls.delete(message.id)
      clearTimeout(call.timer)
      if (message.ok) call.resolve(message.result)
      else call.reject(fromErrorData(message.error))
      return
    }
    const detail = message.detail
    switch (message.event) {
      case 'tokens':
        this.#counters = detail.counters ?? this.#counters
        this.#accept(detail.view, detail.source)
        if (detail.source !== 'refresh') this.#hints?.postMessage({ type: 'logged-in' })
        break
      case 'session-ended': {
        const byThisTab = this.#loggingOut
        const code = detail.code === 'logged_out' && !byThisTab ? 'peer_logout' : String(detail.code)
        const text = code === 'peer_logout' ? 'You logged out in another tab.' : String(detail.message)
        this.#view = null
        this.#expiring.cancel()
        this.#reason = { code, message: text }
        setSessionHint(this.#options.clientId, false)
        if (!byThisTab && this.#mode === 'dedicated') this.#hints?.postMessage({ type: 'session-ended' })
        this.#emit('session-ended', { code, reason: text })
        break
      }
      case 'token-request':
        this.#counters = detail.counters ?? this.#counters
        this.#emit('token-request', detail)
        break
      case 'refresh-error':
        this.#emit('refresh-error', detail)
        break
      case 'log':
        this.#emit('log', { ...detail, tabId: this.#tabId })
        break
      case 'run-silent-login':
        runSilentLogin(String(detail.url), SILENT_LOGIN_TIMEOUT_MS)
          .then((href) => this.#call('callback', { href }))
          .catch((err) => this.#call('silent-login-failed', { state: detail.state, error: err instanceof Error ? err.message : 'failed' }))
          .catch(() => {})
        break
    }
  }

  /**
   * @param {import('./token-set.js').AccessTokenView|null} view
   * @param {string} [source]
   */
  #accept (view, source = 'status') {
    if (view == null || typeof view.accessToken !== 'string' || typeof view.version !== 'number') return
    if (this.#view != null && view.version <= this.#view.version) return // versions only increase
    this.#view = view
    this.#reason = null
    setSessionHint(this.#options.clientId, true)
    this.#expiring.schedule(view.accessTokenExpiresAt - Math.min(this.#options.refreshLeadSeconds, view.expiresIn / 3) * 1000)
    this.#emit('tokens', { source, version: view.version, generation: view.generation, family: view.family,
      accessTokenExpiresAt: view.accessTokenExpiresAt, expiresIn: view.expiresIn })
  }

  /**
   * @param {string} name
   * @param {unknown} detail
   */
  #emit (name, detail) { this.dispatchEvent(new CustomEvent(name, { detail })) }

  /**
   * @param {string} kind
   * @param {string} message
   */
  #log (kind, message) { this.#emit('log', { time: Date.now(), kind, message, tabId: this.#tabId }) }
}

/** Thrown by `getAccessToken()` and `fetch()` when there is no session. */
export { SessionEndedError }

function currentPath () {
  return location.pathname + location.search + location.hash
}

/** @param {unknown} returnTo */
function safeReturnPath (returnTo) {
  if (typeof returnTo === 'string' && returnTo.startsWith('/') && !returnTo.startsWith('//')) {
    const url = new URL(returnTo, location.origin)
    for (const name of ['code', 'state', 'session_state', 'iss', 'error', 'error_description']) url.searchParams.delete(name)
    return url.pathname + url.search + url.hash
  }
  return location.pathname
}

/**
 * A non-secret marker that this browser had a session, so that a new tab asks Keycloak silently instead of showing the
 * login screen (and a browser that never logged in does not bounce through Keycloak).
 * @param {string} clientId
 */
function hasSessionHint (clientId) {
  try {
    return localStorage.getItem(`silent-refresh:${clientId}:had-session`) === '1'
  } catch {
    return false
  }
}

/**
 * @param {string} clientId
 * @param {boolean} value
 */
function setSessionHint (clientId, value) {
  try {
    if (value) localStorage.setItem(`silent-refresh:${clientId}:had-session`, '1')
    else localStorage.removeItem(`silent-refresh:${clientId}:had-session`)
  } catch {}
}
