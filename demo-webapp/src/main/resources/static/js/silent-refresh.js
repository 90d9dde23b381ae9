// @ts-check
/*
 * Where the tokens live, and why
 * ------------------------------
 * Access, refresh and ID tokens exist ONLY in private fields of a SilentRefreshClient, i.e. in
 * the JavaScript memory of one tab (and, while being handed over, in BroadcastChannel messages
 * to other tabs of the same origin). They are never written to localStorage, sessionStorage,
 * cookies or IndexedDB: nothing is left on disk, nothing outlives the tab, and a script injected
 * later into a page that never had the tokens cannot simply read them from storage. A reload
 * therefore loses them; the client then asks the other open tabs and, failing that, performs one
 * silent login (prompt=none) against the Keycloak SSO session.
 *
 * The trade-off (draft-ietf-oauth-browser-based-apps): this is the "browser-based OAuth client"
 * architecture. Memory-only storage does not stop a live attacker: script running in the origin
 * (XSS) can still use the tokens while it runs. A backend-for-frontend (BFF) keeps tokens out of
 * the browser entirely (a confidential client on the server, the browser only holds an HttpOnly,
 * Secure, SameSite session cookie) and is the stronger choice whenever you can run one. Without a
 * BFF this library relies on the server and the page for its security:
 *   - refresh-token rotation with reuse detection (a replayed refresh token revokes the session),
 *   - short access-token lifetimes,
 *   - PKCE S256 plus state and nonce checks at login,
 *   - a strict Content-Security-Policy (no inline script, no eval, a fixed connect-src).
 */

/**
 * @file silent-refresh.js – an OpenID Connect client for Keycloak with silent token refresh that
 * stays correct under refresh-token rotation, across every tab of the browser. No dependencies,
 * no build step: an ES module with JSDoc types (`// @ts-check`).
 *
 * Usage:
 *
 *     import { SilentRefreshClient } from './silent-refresh.js'
 *
 *     const client = new SilentRefreshClient({
 *       keycloakUrl: 'http://localhost:8080', realm: 'demo', clientId: 'demo-spa'
 *     })
 *     client.addEventListener('session-ended', (e) => showLogin(e.detail.reason))
 *     if (await client.init()) {
 *       const res = await client.fetch('/api/me')   // Bearer token attached, refreshed when needed
 *     } else {
 *       showLogin(client.reason?.message)          // then: button.onclick = () => client.login()
 *     }
 *
 * Options (constructor): see {@link SilentRefreshOptions}.
 *
 * Methods: `init()`, `login({ prompt }?)`, `logout()`, `fetch(input, init)`, `refresh({ force }?)`,
 * `wasRetried(response)`, `dispose()`, and – for the replay demonstration only –
 * `currentRefreshTokenForReplayDemo()`. Getters: `authenticated`, `tabId`, `issuer`, `reason`,
 * `refreshing`, `crossTab`, `accessTokenExpiresAt`, `refreshTokenExpiresAt` (local epoch ms),
 * `accessTokenClaims`, `idTokenClaims` (decoded, for display only), `refreshTokenInfo`.
 * Call `init()` before the first `fetch()`: `fetch()` waits for it. While logged out, `fetch()`
 * sends requests without a token (public endpoints keep working) and returns the response as is.
 * `fetch()` attaches the token to whatever URL it is given: send only your API calls through it.
 *
 * Errors: every rejection of this library is a {@link SilentRefreshError} with a stable `code`:
 * {@link SessionEndedError} ('session_ended'), {@link RefreshUnavailableError}
 * ('refresh_unavailable', with `retryAt`), {@link RefreshFailedError} ('refresh_failed', with
 * `status` and the OAuth `error`).
 *
 * Events (the client is an EventTarget; every event is a CustomEvent, details are non-secret):
 *   - `log`            {@link LogEntry}: one line per state transition, for display.
 *   - `tokens`         {@link TokensEventDetail}: a new token set is in use (login, refresh, peer).
 *   - `session-ended`  {@link SessionEndedDetail}: the session is gone (e.g. invalid_grant); show login.
 *   - `logout`         {@link LogoutDetail}: logged out here or in another tab.
 *   - `token-request`  {@link TokenRequestDetail}: this tab is about to call the token endpoint.
 *   - `retry`          {@link RetryDetail}: a request is re-sent once after a 401 invalid_token.
 *   - `refresh-error`  {@link RefreshErrorDetail}: a refresh failed without ending the session.
 *
 * Refresh strategy:
 *   - Proactive: a timer fires `min(refreshLeadSeconds, lifetime / 3)` before the access token
 *     expires (at least 1 s after receipt), measured from the local time the token request was
 *     sent plus `expires_in`; never from `exp` vs `Date.now()`, so client clock skew is harmless.
 *     Re-checked when the page becomes visible (timers stop while a laptop sleeps).
 *   - Lazy: `client.fetch()` refreshes first when the access token is expired by the local clock.
 *   - Reactive: a 401 with `WWW-Authenticate: Bearer error="invalid_token"` triggers at most one
 *     refresh and exactly one retry of that request. No refresh for 400, 403, 503 or other 401s.
 *   - Single flight: one refresh per tab at a time (all callers share its promise) and one per
 *     browser (Web Lock + version marker, see below).
 *   - Failures: only `400 invalid_grant` from the token endpoint ends the session. Network
 *     errors, 5xx and 429 are retried after 1 s, 2 s and 4 s, then the client gives up for 30 s
 *     (tokens kept, the proactive timer tries again). Other 4xx fail that refresh only.
 *
 * Cross-tab protocol (same origin, same clientId):
 *   - BroadcastChannel `silent-refresh:<clientId>`, messages `{ v: 1, type, from, ... }`:
 *       `hello`                                 a new tab asks for the current tokens;
 *       `tokens { tokens, source, to? }`       a token set (source 'login' | 'refresh' | 'reply');
 *       `logout { version }`                    the user logged out in the sending tab;
 *       `session-ended { code, reason, version, family, receivedAt }` the session is revoked;
 *       `unavailable { retryAt }`               the token endpoint is unreachable, back off until then.
 *   - Web Lock `silent-refresh:<clientId>` (exclusive, 10 s acquisition timeout) around every
 *     refresh attempt; the work under the lock is bounded (≤ 1 s marker read + ≤ 2 s wait + ≤ 8 s
 *     token request + ≤ 1 s marker write).
 *   - Version marker: a random id of the newest token set (not a token, not derived from one),
 *     in the IndexedDB database `silent-refresh:<clientId>` (object store `marker`, key `version`);
 *     written before the lock is released. Inside the lock, a tab whose own set is not that version
 *     knows another tab has already refreshed and waits for its `tokens` message instead of
 *     spending its (now used) refresh token. Result: one token-endpoint call per expiry per browser.
 *     IndexedDB, not localStorage, because only its transactions are consistent across tabs: a
 *     value committed before the lock is released is what the next holder reads, whereas Chromium
 *     hands localStorage writes to other tabs' processes asynchronously (a tab granted the lock
 *     right after another one refreshed often still read the old marker – and neither had the
 *     `tokens` message arrived). localStorage `silent-refresh:<clientId>:version` only as a
 *     fallback where IndexedDB is unusable.
 *   - A token set from another tab replaces this tab's when it is newer (its token request was
 *     sent later; under the lock, refreshes are sequential).
 *   - Without Web Locks the client falls back to the in-tab single flight (tabs may then refresh
 *     concurrently; the server's grace window for the immediately previous token absorbs most of
 *     those races). Without BroadcastChannel every tab is on its own.
 *
 * sessionStorage (per tab, removed as soon as it is not needed; never a token):
 *   - `silent-refresh:<clientId>:login`        the pending login (state, nonce, PKCE verifier,
 *                                              return URL); removed when the callback arrives.
 *   - `silent-refresh:<clientId>:session`      `'1'` while this tab is logged in (allows one
 *                                              silent login after a reload).
 *   - `silent-refresh:<clientId>:silent-at`    time of the last silent login attempt (loop guard).
 *   - `silent-refresh:<clientId>:notice`       a reason to show after the logout redirect.
 */

const PEER_REPLY_WAIT_MS = 300
const PEER_TOKENS_WAIT_MS = 2000
const MARKER_TIMEOUT_MS = 1000
const MARKER_STORE = 'marker'
const LOCK_ACQUIRE_TIMEOUT_MS = 10_000
const TOKEN_REQUEST_TIMEOUT_MS = 8000
const REVOKE_TIMEOUT_MS = 3000
const MAX_REFRESH_ATTEMPTS = 4
const REFRESH_RETRY_LATER_MS = 30_000
const MAX_RETRY_AFTER_MS = 30_000
const MIN_REFRESH_DELAY_MS = 1000
const EXPIRY_SAFETY_MARGIN_MS = 5000
const SILENT_LOGIN_GUARD_MS = 30_000
const PENDING_LOGIN_MAX_AGE_MS = 10 * 60_000
const ID_TOKEN_CLOCK_LEEWAY_S = 300
const PROTOCOL_VERSION = 1
const CALLBACK_PARAMS = ['code', 'state', 'session_state', 'iss', 'error', 'error_description', 'error_uri']

/**
 * @typedef {object} SilentRefreshOptions
 * @property {string} keycloakUrl Base URL of Keycloak, e.g. `http://localhost:8080`.
 * @property {string} realm Realm name.
 * @property {string} clientId Public client id (authorization code + PKCE S256).
 * @property {string} [redirectUri] Registered redirect URI; default `location.origin + '/'`.
 * @property {string} [postLogoutRedirectUri] Where Keycloak returns after logout; default `redirectUri`.
 * @property {string} [scope] Default `'openid profile email'` (`openid` is required).
 * @property {number} [refreshLeadSeconds] Proactive refresh this long before expiry, capped at a
 *   third of the lifetime; default 15.
 * @property {boolean} [proactiveRefresh] `false` disables the timer (only lazy/reactive refresh).
 * @property {typeof fetch} [fetch] Transport for token and API calls; default `globalThis.fetch`.
 */

/**
 * A token set as held in memory and handed to other tabs. Times are local epoch milliseconds.
 * @typedef {object} TokenSet
 * @property {string} accessToken
 * @property {string} refreshToken
 * @property {string|null} idToken
 * @property {number} receivedAt Local time the token request was sent (a conservative receipt time).
 * @property {number} expiresIn `expires_in` of the token response, seconds.
 * @property {number} accessTokenExpiresAt `receivedAt + expiresIn * 1000`.
 * @property {number|null} refreshTokenExpiresAt From `refresh_expires_in`; null when unknown/unlimited.
 * @property {string} version Random id of this token set (the cross-tab version marker).
 */

/**
 * @typedef {'login'|'api'|'refresh'|'retry'|'tab'|'error'|'logout'} LogKind
 * @typedef {{ time: number, kind: LogKind, message: string, tabId: string }} LogEntry
 * @typedef {'login'|'refresh'|'peer'} TokenSource
 * @typedef {object} TokensEventDetail
 * @property {TokenSource} source Where the set came from ('peer' = another tab).
 * @property {string|null} fromTab Tab id of the sending tab when `source` is 'peer'.
 * @property {string} version
 * @property {number} expiresIn
 * @property {number} accessTokenExpiresAt
 * @property {number|null} refreshTokenExpiresAt
 * @property {number|null} generation `rtr_gen` of the refresh token, if present.
 * @property {string|null} family `rtr_fam` of the refresh token, if present.
 * @typedef {'revoked'|'expired'|'stale'|'logged_out'|'peer_logout'|'silent_login_failed'|'login_error'|'state_mismatch'} ReasonCode
 * @typedef {{ code: ReasonCode, message: string }} Reason
 * @typedef {{ code: ReasonCode, reason: string, origin: 'this-tab'|'peer', fromTab: string|null }} SessionEndedDetail
 * @typedef {{ origin: 'this-tab'|'peer', fromTab: string|null }} LogoutDetail
 * @typedef {{ grantType: 'authorization_code'|'refresh_token', attempt: number }} TokenRequestDetail
 * @typedef {{ method: string, url: string, refreshed: boolean }} RetryDetail
 * @typedef {{ code: string, message: string, retryAt: number|null }} RefreshErrorDetail
 */

/**
 * @typedef {object} PendingLogin
 * @property {string} state
 * @property {string} nonce
 * @property {string} codeVerifier
 * @property {string} redirectUri
 * @property {string} returnTo Same-origin path + query + hash to restore after the callback.
 * @property {boolean} silent
 * @property {number} createdAt
 */

/**
 * @typedef {{ status: number, body: any, retryAfterMs: number|null }} TokenEndpointResult
 * @typedef {{ done: true } | { transient: unknown, retryAfterMs: number|null }} AttemptOutcome
 * @typedef {{ scheme: string, params: Record<string, string>, token68: string|null }} AuthChallenge
 */

/** Base class of every error this library rejects with; `code` is stable, `message` is for people. */
export class SilentRefreshError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {{ cause?: unknown }} [options]
   */
  constructor (code, message, options) {
    super(message, options)
    this.name = 'SilentRefreshError'
    /** @type {string} */
    this.code = code
  }
}

/** The session is over (refresh token rejected with invalid_grant, logged out, …): log in again. */
export class SessionEndedError extends SilentRefreshError {
  /**
   * @param {string} reason
   * @param {ReasonCode|null} [reasonCode]
   */
  constructor (reason, reasonCode = null) {
    super('session_ended', reason)
    this.name = 'SessionEndedError'
    this.reason = reason
    this.reasonCode = reasonCode
  }
}

/** The token endpoint was unreachable (network, 5xx, 429); tokens are kept, a later try may work. */
export class RefreshUnavailableError extends SilentRefreshError {
  /**
   * @param {string} message
   * @param {number} retryAt Local epoch ms of the next automatic attempt.
   * @param {{ cause?: unknown }} [options]
   */
  constructor (message, retryAt, options) {
    super('refresh_unavailable', message, options)
    this.name = 'RefreshUnavailableError'
    this.retryAt = retryAt
  }
}

/** The token endpoint refused the refresh with something other than invalid_grant (e.g. 401 invalid_client). */
export class RefreshFailedError extends SilentRefreshError {
  /**
   * @param {string} message
   * @param {number} status
   * @param {string|null} error OAuth `error` code from the response body.
   */
  constructor (message, status, error) {
    super('refresh_failed', message)
    this.name = 'RefreshFailedError'
    this.status = status
    this.error = error
  }
}

/**
 * Browser OpenID Connect client with silent, rotation-safe token refresh. See the file header.
 */
export class SilentRefreshClient extends EventTarget {
  /** @type {Required<SilentRefreshOptions>} */
  #cfg
  #issuer
  #endpoints
  #keys
  #lockName
  #tabId = randomUrlSafe(6).slice(0, 6)

  /** @type {TokenSet|null} */
  #tokens = null
  /** @type {Reason|null} */
  #reason = null
  /** @type {Promise<boolean>|null} */
  #initPromise = null
  /** @type {Promise<void>|null} */
  #inflight = null
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  #timer = undefined
  #dueAt = Infinity
  #cooldownUntil = 0
  #loggingOut = false
  #disposed = false
  /** @type {BroadcastChannel|null} */
  #channel = null
  /** @type {Set<(tokens: TokenSet) => void>} notified whenever a token set is adopted */
  #adoptWatchers = new Set()
  /** @type {Set<(tokens: TokenSet, from: string) => void>} collectors of replies to our `hello` */
  #peerCollectors = new Set()
  /** @type {Set<string>} */
  #deadVersions = new Set()
  /** @type {Set<string>} */
  #deadFamilies = new Set()
  #deadBefore = 0
  #markerFallbackLogged = false
  /** @type {WeakSet<Response>} */
  #retried = new WeakSet()
  /** @type {(() => void)|null} */
  #removeVisibilityListener = null

  /** @param {SilentRefreshOptions} options */
  constructor (options) {
    super()
    if (options == null || typeof options !== 'object') throw new TypeError('options are required')
    for (const name of /** @type {const} */ (['keycloakUrl', 'realm', 'clientId'])) {
      if (typeof options[name] !== 'string' || options[name] === '') {
        throw new TypeError(`options.${name} must be a non-empty string`)
      }
    }
    const redirectUri = options.redirectUri ?? location.origin + '/'
    const lead = options.refreshLeadSeconds ?? 15
    if (!Number.isFinite(lead) || lead < 0) throw new TypeError('options.refreshLeadSeconds must be a number >= 0')
    this.#cfg = Object.freeze({
      keycloakUrl: options.keycloakUrl.replace(/\/+$/, ''),
      realm: options.realm,
      clientId: options.clientId,
      redirectUri,
      postLogoutRedirectUri: options.postLogoutRedirectUri ?? redirectUri,
      scope: options.scope ?? 'openid profile email',
      refreshLeadSeconds: lead,
      proactiveRefresh: options.proactiveRefresh ?? true,
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis)
    })
    this.#issuer = `${this.#cfg.keycloakUrl}/realms/${encodeURIComponent(this.#cfg.realm)}`
    const base = `${this.#issuer}/protocol/openid-connect`
    this.#endpoints = Object.freeze({
      base: base + '/',
      auth: `${base}/auth`,
      token: `${base}/token`,
      logout: `${base}/logout`,
      revoke: `${base}/revoke`
    })
    const prefix = `silent-refresh:${this.#cfg.clientId}`
    this.#lockName = prefix
    this.#keys = Object.freeze({
      channel: prefix,
      version: `${prefix}:version`,
      markerDb: prefix,
      login: `${prefix}:login`,
      session: `${prefix}:session`,
      silentAt: `${prefix}:silent-at`,
      notice: `${prefix}:notice`
    })
  }

  // ---------------------------------------------------------------------------------------------
  // Public API

  /** True while this tab holds a token set. */
  get authenticated () { return this.#tokens != null }

  /** Short random id of this client instance (one per tab), used in cross-tab messages and logs. */
  get tabId () { return this.#tabId }

  /** Issuer URL (`<keycloakUrl>/realms/<realm>`). */
  get issuer () { return this.#issuer }

  /** Why the client is not authenticated (null while authenticated or when nothing happened yet). */
  get reason () { return this.#reason }

  /** True while a refresh is running in this tab. */
  get refreshing () { return this.#inflight != null }

  /** Which cross-tab mechanisms this browser offers. */
  get crossTab () {
    return {
      broadcastChannel: typeof globalThis.BroadcastChannel === 'function',
      webLocks: typeof globalThis.navigator?.locks?.request === 'function'
    }
  }

  /** Local epoch ms at which the access token expires, or null. */
  get accessTokenExpiresAt () { return this.#tokens?.accessTokenExpiresAt ?? null }

  /** Local epoch ms at which the refresh token expires, or null (unknown or not logged in). */
  get refreshTokenExpiresAt () { return this.#tokens?.refreshTokenExpiresAt ?? null }

  /** Decoded access-token payload, for display only (never trust it for decisions). */
  get accessTokenClaims () { return safeDecode(this.#tokens?.accessToken) }

  /** Decoded ID-token payload, for display only. */
  get idTokenClaims () { return safeDecode(this.#tokens?.idToken) }

  /** `{ generation, family }` from the refresh token's `rtr_gen` / `rtr_fam` claims, or null. */
  get refreshTokenInfo () {
    return this.#tokens ? refreshTokenInfoOf(this.#tokens.refreshToken) : null
  }

  /**
   * Starts the client: handles a login callback in the URL, otherwise asks the other tabs for
   * their tokens and, if none answer and this tab was logged in before, tries ONE silent login.
   * Resolves true when logged in. While a silent-login redirect is under way the promise stays
   * pending (the page is about to unload). Safe to call more than once.
   * @returns {Promise<boolean>}
   */
  init () {
    if (this.#initPromise == null) this.#initPromise = this.#doInit()
    return this.#initPromise
  }

  /**
   * Redirects to Keycloak's login page (authorization code + PKCE S256).
   * @param {{ prompt?: string }} [options] e.g. `{ prompt: 'login' }`
   * @returns {Promise<void>}
   */
  async login (options = {}) {
    await this.#redirectToAuthorization({ prompt: options.prompt, silent: false })
  }

  /**
   * Logs out everywhere: tells the other tabs, forgets the tokens, then navigates to Keycloak's
   * end-session endpoint (RP-initiated logout) with the ID token as `id_token_hint`, which ends the
   * SSO session and with it every refresh token of the session. Only without an ID token (no hint,
   * so Keycloak would ask the user to confirm) is the refresh token revoked first (failure ignored):
   * revoking it before a hinted logout would end the session early, and Keycloak would then record
   * the logout as LOGOUT_ERROR `session_expired` instead of a LOGOUT.
   * @returns {Promise<void>}
   */
  async logout () {
    if (this.#initPromise) await this.#initPromise.catch(() => false)
    const tokens = this.#tokens
    this.#loggingOut = true
    // Other tabs stop using the family first, so none of them refreshes in a session we are ending.
    this.#post({ type: 'logout', version: tokens?.version ?? null })
    this.#markDead(tokens, true)
    this.#clearLocal(true)
    this.#reason = { code: 'logged_out', message: 'You logged out.' }
    writeStorage('sessionStorage', this.#keys.notice, JSON.stringify(this.#reason))
    this.#log('logout', 'Logging out: other tabs notified, tokens cleared')
    this.dispatchEvent(new CustomEvent('logout', { detail: { origin: 'this-tab', fromTab: null } }))
    if (tokens && !tokens.idToken) await this.#revoke(tokens.refreshToken)
    const url = new URL(this.#endpoints.logout)
    url.searchParams.set('client_id', this.#cfg.clientId)
    url.searchParams.set('post_logout_redirect_uri', this.#cfg.postLogoutRedirectUri)
    if (tokens?.idToken) url.searchParams.set('id_token_hint', tokens.idToken)
    location.assign(url.toString())
  }

  /**
   * fetch() with `Authorization: Bearer <access token>` attached at send time. Refreshes first
   * when the token is expired by the local clock (or a refresh is running); after a 401 with
   * `error="invalid_token"` refreshes at most once and re-sends the request exactly once (the
   * retried response is returned whatever it is). While logged out requests go out without a
   * token. Rejects with {@link SessionEndedError}, {@link RefreshUnavailableError} or
   * {@link RefreshFailedError} when a needed refresh fails.
   * @param {RequestInfo | URL} input
   * @param {RequestInit} [init]
   * @returns {Promise<Response>}
   */
  async fetch (input, init) {
    if (this.#initPromise) await this.#initPromise.catch(() => false)
    const request = new Request(input, init)
    // Never intercept the OpenID endpoints themselves (no token, no refresh, no retry).
    if (request.url.startsWith(this.#endpoints.base)) return this.#cfg.fetch(request)
    const first = await this.#tokenForRequest()
    const response = await this.#send(request, first)
    if (first == null || !isInvalidTokenChallenge(response)) return response

    let refreshed = false
    // Only refresh if nobody did since this request was sent; otherwise just use the newer token.
    if (this.#tokens?.version === first.version) {
      await this.#refreshFrom(first.version, `${request.method} ${shortUrl(request.url)} got 401 invalid_token`, false)
      refreshed = true
    }
    const current = this.#tokens
    if (current == null) throw this.#endedError()
    response.body?.cancel().catch(() => {})
    this.#log('retry', `Retrying ${request.method} ${shortUrl(request.url)} once with ${refreshed ? 'the refreshed' : 'the newer'} access token`)
    this.dispatchEvent(new CustomEvent('retry', { detail: { method: request.method, url: request.url, refreshed } }))
    const retried = await this.#send(request, current)
    this.#retried.add(retried)
    return retried
  }

  /**
   * True if `response` came from the single retry after a 401 invalid_token.
   * @param {Response} response
   */
  wasRetried (response) { return this.#retried.has(response) }

  /**
   * Refreshes the tokens now if they are close to expiry, or always with `force: true`. A refresh
   * that another tab completes in the meantime counts. A user-initiated refresh ignores the 30 s
   * back-off after an outage.
   * @param {{ force?: boolean }} [options]
   * @returns {Promise<void>}
   */
  async refresh (options = {}) {
    if (this.#initPromise) await this.#initPromise.catch(() => false)
    const tokens = this.#tokens
    if (tokens == null) throw this.#endedError()
    if (!options.force && Date.now() < this.#proactiveDueAt(tokens)) return
    await this.#refreshFrom(tokens.version, options.force ? 'forced refresh' : 'refresh requested', true)
  }

  /**
   * DEMO ONLY – returns the raw refresh token currently held in memory, so the demo page can
   * replay it later and show the server's reuse detection. Do NOT use this to persist tokens or
   * to hand them to anything else: doing so defeats the whole storage stance of this library.
   * @returns {string|null}
   */
  currentRefreshTokenForReplayDemo () {
    this.#log('refresh', 'Demo only: the current refresh token was handed out for the replay demonstration')
    return this.#tokens?.refreshToken ?? null
  }

  /** Stops timers, listeners and the channel; the instance must not be used afterwards. */
  dispose () {
    this.#disposed = true
    clearTimeout(this.#timer)
    this.#removeVisibilityListener?.()
    this.#channel?.close()
    this.#channel = null
  }

  // ---------------------------------------------------------------------------------------------
  // Start-up, login callback, silent login

  /** @returns {Promise<boolean>} */
  async #doInit () {
    this.#openChannel()
    this.#listenVisibility()
    const params = new URLSearchParams(location.search)
    if (params.has('state') && (params.has('code') || params.has('error'))) {
      return this.#handleCallback(params)
    }
    const notice = readStorage('sessionStorage', this.#keys.notice)
    if (notice != null) {
      removeStorage('sessionStorage', this.#keys.notice)
      this.#reason = parseReason(notice)
    }

    const fromPeer = await this.#askPeers()
    if (fromPeer && this.#shouldAdopt(fromPeer.tokens)) this.#adopt(fromPeer.tokens, 'peer', fromPeer.from)
    if (this.#tokens) return true

    if (readStorage('sessionStorage', this.#keys.session) === '1') {
      const last = Number(readStorage('sessionStorage', this.#keys.silentAt) ?? 0)
      if (!(Date.now() - last < SILENT_LOGIN_GUARD_MS)) {
        writeStorage('sessionStorage', this.#keys.silentAt, String(Date.now()))
        await this.#redirectToAuthorization({ prompt: 'none', silent: true })
        return new Promise(() => {})
      }
      this.#log('login', 'No silent login: one was already tried in this tab less than 30 s ago')
      removeStorage('sessionStorage', this.#keys.session)
      this.#reason ??= { code: 'silent_login_failed', message: 'already tried less than 30 s ago' }
      return false
    }
    this.#log('login', 'Not logged in')
    return false
  }

  /**
   * @param {{ prompt?: string, silent: boolean }} options
   * @returns {Promise<void>}
   */
  async #redirectToAuthorization ({ prompt, silent }) {
    const codeVerifier = randomUrlSafe(32)
    /** @type {PendingLogin} */
    const pending = {
      state: randomUrlSafe(16),
      nonce: randomUrlSafe(16),
      codeVerifier,
      redirectUri: this.#cfg.redirectUri,
      returnTo: currentUrlWithoutCallbackParams(),
      silent,
      createdAt: Date.now()
    }
    const url = new URL(this.#endpoints.auth)
    url.searchParams.set('client_id', this.#cfg.clientId)
    url.searchParams.set('redirect_uri', this.#cfg.redirectUri)
    url.searchParams.set('response_type', 'code')
    url.searchParams.set('response_mode', 'query')
    url.searchParams.set('scope', this.#cfg.scope)
    url.searchParams.set('state', pending.state)
    url.searchParams.set('nonce', pending.nonce)
    url.searchParams.set('code_challenge', await pkceChallengeS256(codeVerifier))
    url.searchParams.set('code_challenge_method', 'S256')
    if (prompt) url.searchParams.set('prompt', prompt)
    // The verifier must survive the redirect; it is useless without the one-time code and is
    // removed as soon as the callback arrives.
    writeStorage('sessionStorage', this.#keys.login, JSON.stringify(pending))
    this.#log('login', silent ? 'Trying a silent login (prompt=none) with the Keycloak SSO session' : 'Redirecting to Keycloak to log in')
    location.assign(url.toString())
  }

  /**
   * @param {URLSearchParams} params
   * @returns {Promise<boolean>}
   */
  async #handleCallback (params) {
    const pending = this.#takePendingLogin()
    cleanCallbackUrl(pending?.returnTo)
    /**
     * @param {ReasonCode} code
     * @param {string} message
     */
    const fail = (code, message) => {
      this.#reason = { code, message }
      this.#log('error', `Login failed: ${message}`)
      return false
    }
    if (pending == null) {
      return fail('state_mismatch', 'the state parameter does not match any login started in this tab')
    }
    if (params.get('state') !== pending.state) {
      return fail('state_mismatch', 'the state parameter does not match the login started in this tab')
    }
    const iss = params.get('iss')
    if (iss != null && iss !== this.#issuer) return fail('login_error', `unexpected issuer ${iss}`)
    const error = params.get('error')
    if (error != null) {
      if (pending.silent) {
        removeStorage('sessionStorage', this.#keys.session)
        return fail('silent_login_failed', error)
      }
      const description = params.get('error_description')
      return fail('login_error', description ? `${error}: ${description}` : error)
    }
    const code = params.get('code')
    if (!code) return fail('login_error', 'the login response has no code')

    this.#log('login', 'Exchanging the authorization code for tokens')
    const sentAt = Date.now()
    /** @type {TokenEndpointResult} */
    let result
    try {
      result = await this.#tokenRequest({
        grant_type: 'authorization_code',
        code,
        client_id: this.#cfg.clientId,
        code_verifier: pending.codeVerifier,
        redirect_uri: pending.redirectUri
      }, 'authorization_code', 0)
    } catch (err) {
      return fail('login_error', `token request failed (${errorMessage(err)})`)
    }
    if (result.status !== 200 || typeof result.body?.access_token !== 'string') {
      return fail('login_error', `code exchange answered HTTP ${result.status}${oauthErrorText(result.body)}`)
    }
    /** @type {TokenSet} */
    let tokens
    try {
      tokens = buildTokenSet(result.body, sentAt, null)
      this.#checkIdToken(tokens.idToken, pending.nonce)
    } catch (err) {
      return fail('login_error', errorMessage(err))
    }
    // The guard only has to stop silent attempts that did not complete.
    removeStorage('sessionStorage', this.#keys.silentAt)
    await this.#writeMarker(tokens.version)
    this.#commit(tokens, 'login')
    return true
  }

  /** @returns {PendingLogin|null} */
  #takePendingLogin () {
    const raw = readStorage('sessionStorage', this.#keys.login)
    removeStorage('sessionStorage', this.#keys.login)
    if (raw == null) return null
    try {
      const pending = JSON.parse(raw)
      if (typeof pending?.state !== 'string' || typeof pending.codeVerifier !== 'string') return null
      if (!(Date.now() - Number(pending.createdAt) < PENDING_LOGIN_MAX_AGE_MS)) return null
      return pending
    } catch {
      return null
    }
  }

  /**
   * Checks the claims that bind the ID token to this login. The signature is not verified: the
   * token comes straight from the token endpoint in the response to our own PKCE-bound request,
   * over TLS in any real deployment, which OpenID Connect Core §3.1.3.7 accepts in place of a
   * signature check.
   * @param {string|null} idToken
   * @param {string} nonce
   */
  #checkIdToken (idToken, nonce) {
    if (!idToken) throw new Error('the token response has no id_token (is the openid scope requested?)')
    const claims = decodeJwtPayload(idToken)
    if (claims.iss !== this.#issuer) throw new Error(`ID token issuer ${String(claims.iss)} is not ${this.#issuer}`)
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
    if (!aud.includes(this.#cfg.clientId)) throw new Error('ID token audience does not contain this client')
    if (claims.azp !== undefined && claims.azp !== this.#cfg.clientId) throw new Error('ID token azp is not this client')
    if (claims.nonce !== nonce) throw new Error('ID token nonce does not match the login request')
    if (typeof claims.exp !== 'number') throw new Error('ID token has no exp')
    if (claims.exp + ID_TOKEN_CLOCK_LEEWAY_S < Date.now() / 1000) throw new Error('ID token has expired')
  }

  // ---------------------------------------------------------------------------------------------
  // Sending requests

  /** @returns {Promise<TokenSet|null>} */
  async #tokenForRequest () {
    if (this.#tokens == null) return null
    if (this.#inflight) {
      try {
        await this.#inflight
      } catch (err) {
        const now = this.#tokens
        if (now == null || this.#isExpired(now)) throw err
      }
    }
    const tokens = this.#tokens
    if (tokens == null) throw this.#endedError()
    if (!this.#isExpired(tokens)) return tokens
    await this.#refreshFrom(tokens.version, 'the access token has expired', false)
    const fresh = this.#tokens
    if (fresh == null) throw this.#endedError()
    return fresh
  }

  /**
   * @param {Request} request
   * @param {TokenSet|null} tokens
   * @returns {Promise<Response>}
   */
  #send (request, tokens) {
    const headers = new Headers(request.headers)
    if (tokens) headers.set('Authorization', `Bearer ${tokens.accessToken}`)
    return this.#cfg.fetch(new Request(request.clone(), { headers }))
  }

  /** @param {TokenSet} tokens */
  #isExpired (tokens) {
    const margin = Math.min(EXPIRY_SAFETY_MARGIN_MS, tokens.expiresIn * 1000 / 4)
    return Date.now() >= tokens.accessTokenExpiresAt - margin
  }

  /** @param {TokenSet} tokens */
  #proactiveDueAt (tokens) {
    let due = tokens.receivedAt + refreshDelayMs(tokens.expiresIn, this.#cfg.refreshLeadSeconds)
    if (tokens.refreshTokenExpiresAt != null) {
      due = Math.min(due, tokens.refreshTokenExpiresAt - EXPIRY_SAFETY_MARGIN_MS)
    }
    return due
  }

  // ---------------------------------------------------------------------------------------------
  // Refresh

  /**
   * Makes sure the token set `startVersion` gets replaced: returns once the current version
   * differs (refreshed here or in another tab), or rejects with a typed error. One refresh per
   * tab at a time: every caller shares `#inflight`.
   * @param {string} startVersion
   * @param {string} why
   * @param {boolean} userInitiated
   * @returns {Promise<void>}
   */
  async #refreshFrom (startVersion, why, userInitiated) {
    // Two rounds at most: a refresh that was already running may have been for an older set.
    for (let round = 0; round < 2; round++) {
      const tokens = this.#tokens
      if (tokens == null) throw this.#endedError()
      if (tokens.version !== startVersion) return
      if (this.#inflight == null) {
        if (!userInitiated && Date.now() < this.#cooldownUntil) {
          throw new RefreshUnavailableError('The token endpoint was unavailable; next automatic try at ' +
            new Date(this.#cooldownUntil).toLocaleTimeString(), this.#cooldownUntil)
        }
        this.#inflight = this.#runRefresh(why).finally(() => { this.#inflight = null })
      }
      await this.#inflight
    }
    if (this.#tokens?.version === startVersion) {
      throw new RefreshFailedError('The refresh did not produce a new token set', 0, null)
    }
  }

  /**
   * One refresh with back-off: each attempt runs under the cross-tab lock, the waits between
   * attempts do not hold it.
   * @param {string} why
   * @returns {Promise<void>}
   */
  async #runRefresh (why) {
    const startVersion = this.#tokens?.version
    if (startVersion == null) throw this.#endedError()
    this.#log('refresh', `Refreshing tokens (${why})`)
    /** @type {unknown} */
    let lastError = null
    for (let attempt = 0; attempt < MAX_REFRESH_ATTEMPTS; attempt++) {
      if (attempt > 0) {
        if (Date.now() < this.#cooldownUntil) break // another tab reported the outage meanwhile
      }
      /** @type {AttemptOutcome} */
      let outcome
      try {
        outcome = await this.#withLock(() => this.#attemptRefresh(startVersion, attempt))
      } catch (err) {
        if (!(err instanceof LockTimeoutError)) throw err
        outcome = { transient: err, retryAfterMs: null }
      }
      if ('done' in outcome) return
      lastError = outcome.transient
      if (attempt === MAX_REFRESH_ATTEMPTS - 1) break
      const delay = Math.max(backoffDelayMs(attempt), Math.min(outcome.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS))
      this.#log('refresh', `Refresh attempt ${attempt + 1} failed (${errorMessage(lastError)}); next try in ${Math.round(delay / 1000)} s`)
      await sleep(delay)
      const now = this.#tokens
      if (now == null) throw this.#endedError()
      if (now.version !== startVersion) return
    }
    const retryAt = Math.max(this.#cooldownUntil, Date.now() + REFRESH_RETRY_LATER_MS)
    this.#cooldownUntil = retryAt
    this.#post({ type: 'unavailable', retryAt })
    this.#schedule()
    const message = `The token endpoint is unavailable (${errorMessage(lastError)}); tokens kept, next automatic try in ${Math.round((retryAt - Date.now()) / 1000)} s`
    this.#log('error', message)
    this.dispatchEvent(new CustomEvent('refresh-error', { detail: { code: 'refresh_unavailable', message, retryAt } }))
    throw new RefreshUnavailableError(message, retryAt, { cause: lastError })
  }

  /**
   * Runs under the lock. Decides whether this tab still has to call the token endpoint.
   * @param {string} startVersion
   * @param {number} attempt
   * @returns {Promise<AttemptOutcome>}
   */
  async #attemptRefresh (startVersion, attempt) {
    const tokens = this.#tokens
    if (tokens == null) throw this.#endedError()
    if (tokens.version !== startVersion) return { done: true } // adopted from another tab meanwhile

    const marker = await this.#readMarker()
    if (marker != null && marker !== tokens.version) {
      // Another tab refreshed after our set was issued; our refresh token is already used.
      this.#log('tab', 'Another tab has already refreshed; waiting for its tokens')
      if (await this.#waitForPeerVersion(marker, PEER_TOKENS_WAIT_MS)) return { done: true }
      this.#endSession('stale', 'another tab renewed the tokens but did not share them; please log in again', false)
      throw this.#endedError()
    }
    if (tokens.refreshTokenExpiresAt != null && Date.now() >= tokens.refreshTokenExpiresAt) {
      this.#endSession('expired', 'the refresh token has expired', true)
      throw this.#endedError()
    }

    const sentAt = Date.now()
    /** @type {TokenEndpointResult} */
    let result
    try {
      result = await this.#tokenRequest({
        grant_type: 'refresh_token',
        refresh_token: tokens.refreshToken,
        client_id: this.#cfg.clientId
      }, 'refresh_token', attempt)
    } catch (err) {
      return { transient: err, retryAfterMs: null }
    }
    const { status, body } = result
    if (status === 200 && typeof body?.access_token === 'string') {
      if (this.#tokens == null || this.#loggingOut) throw this.#endedError() // logged out meanwhile
      /** @type {TokenSet} */
      let next
      try {
        next = buildTokenSet(body, sentAt, tokens)
      } catch (err) {
        throw new RefreshFailedError(`Malformed token response: ${errorMessage(err)}`, status, null)
      }
      // The marker is committed before the lock is released, so the next holder sees it.
      await this.#writeMarker(next.version)
      if (this.#tokens == null || this.#loggingOut) throw this.#endedError() // logged out meanwhile
      this.#commit(next, 'refresh')
      return { done: true }
    }
    if (status === 400 && body?.error === 'invalid_grant') {
      this.#endSession('revoked', typeof body.error_description === 'string' ? body.error_description : 'invalid_grant', true)
      throw this.#endedError()
    }
    if (status >= 500 || status === 429 || status === 408) {
      return { transient: new Error(`HTTP ${status}${oauthErrorText(body)}`), retryAfterMs: result.retryAfterMs }
    }
    const error = new RefreshFailedError(`The token endpoint refused the refresh: HTTP ${status}${oauthErrorText(body)}`,
      status, typeof body?.error === 'string' ? body.error : null)
    this.#log('error', error.message)
    this.dispatchEvent(new CustomEvent('refresh-error', { detail: { code: error.code, message: error.message, retryAt: null } }))
    throw error
  }

  /**
   * @template T
   * @param {() => Promise<T>} work Must be bounded in time: an abort signal cannot free a held lock.
   * @returns {Promise<T>}
   */
  async #withLock (work) {
    const locks = globalThis.navigator?.locks
    if (typeof locks?.request !== 'function') return work() // fallback: in-tab single flight only
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), LOCK_ACQUIRE_TIMEOUT_MS)
    let granted = false
    try {
      return await locks.request(this.#lockName, { mode: 'exclusive', signal: controller.signal }, async () => {
        granted = true
        clearTimeout(timer)
        return work()
      })
    } catch (err) {
      if (granted) throw err
      if (controller.signal.aborted) throw new LockTimeoutError()
      // The lock manager itself refused (e.g. SecurityError): degrade to the in-tab single flight.
      this.#log('tab', `Web Locks unusable (${errorMessage(err)}); refreshing without the cross-tab lock`)
      return work()
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * POSTs a form to the token endpoint with the raw transport (never through `this.fetch`).
   * @param {Record<string, string>} params
   * @param {'authorization_code'|'refresh_token'} grantType
   * @param {number} attempt
   * @returns {Promise<TokenEndpointResult>}
   */
  async #tokenRequest (params, grantType, attempt) {
    this.dispatchEvent(new CustomEvent('token-request', { detail: { grantType, attempt } }))
    const response = await this.#postForm(this.#endpoints.token, params, TOKEN_REQUEST_TIMEOUT_MS, async (res) => {
      /** @type {any} */
      let body = null
      try {
        body = await res.json()
      } catch {
        body = null
      }
      return { status: res.status, body, retryAfterMs: parseRetryAfterMs(res.headers.get('Retry-After')) }
    })
    return response
  }

  /** @param {string} refreshToken */
  async #revoke (refreshToken) {
    try {
      const status = await this.#postForm(this.#endpoints.revoke, {
        token: refreshToken,
        token_type_hint: 'refresh_token',
        client_id: this.#cfg.clientId
      }, REVOKE_TIMEOUT_MS, async (res) => res.status)
      this.#log('logout', `Refresh token revoked (HTTP ${status})`)
    } catch (err) {
      this.#log('logout', `Revocation failed, ignored (${errorMessage(err)})`)
    }
  }

  /**
   * @template T
   * @param {string} url
   * @param {Record<string, string>} params
   * @param {number} timeoutMs
   * @param {(res: Response) => Promise<T>} read
   * @returns {Promise<T>}
   */
  async #postForm (url, params, timeoutMs, read) {
    const controller = new AbortController()
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    let timer
    const timeout = new Promise((_resolve, reject) => {
      timer = setTimeout(() => {
        const err = new Error(`no answer within ${timeoutMs / 1000} s`)
        err.name = 'TimeoutError'
        controller.abort(err)
        reject(err)
      }, timeoutMs)
    })
    try {
      const exchange = (async () => {
        const res = await this.#cfg.fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
          body: new URLSearchParams(params),
          credentials: 'omit',
          cache: 'no-store',
          signal: controller.signal
        })
        return read(res)
      })()
      return /** @type {T} */ (await Promise.race([exchange, timeout]))
    } finally {
      clearTimeout(timer)
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Version marker (see the file header: IndexedDB, localStorage only as a fallback)

  /** @returns {Promise<string|null>} */
  async #readMarker () {
    try {
      const value = await withTimeout(markerTransaction(this.#keys.markerDb, 'readonly', (store) => store.get('version')),
        MARKER_TIMEOUT_MS)
      return typeof value === 'string' ? value : null
    } catch (err) {
      this.#markerUnavailable(err)
      return readStorage('localStorage', this.#keys.version)
    }
  }

  /** @param {string} version */
  async #writeMarker (version) {
    try {
      await withTimeout(markerTransaction(this.#keys.markerDb, 'readwrite', (store) => store.put(version, 'version')),
        MARKER_TIMEOUT_MS)
    } catch (err) {
      this.#markerUnavailable(err)
      writeStorage('localStorage', this.#keys.version, version)
    }
  }

  #removeMarker () {
    markerTransaction(this.#keys.markerDb, 'readwrite', (store) => store.delete('version')).catch(() => {})
    removeStorage('localStorage', this.#keys.version)
  }

  /** @param {unknown} err */
  #markerUnavailable (err) {
    if (this.#markerFallbackLogged) return
    this.#markerFallbackLogged = true
    this.#log('tab', `IndexedDB unusable (${errorMessage(err)}); the cross-tab version marker falls back to localStorage`)
  }

  // ---------------------------------------------------------------------------------------------
  // Token state

  /**
   * A token set this tab obtained from Keycloak (its version already written as the marker): use
   * it and tell the others.
   * @param {TokenSet} tokens
   * @param {'login'|'refresh'} source
   */
  #commit (tokens, source) {
    this.#adopt(tokens, source, null)
    this.#post({ type: 'tokens', tokens, source })
  }

  /**
   * @param {TokenSet} tokens
   * @param {TokenSource} source
   * @param {string|null} fromTab
   */
  #adopt (tokens, source, fromTab) {
    this.#tokens = tokens
    this.#reason = null
    this.#cooldownUntil = 0
    writeStorage('sessionStorage', this.#keys.session, '1')
    this.#schedule()
    for (const watcher of [...this.#adoptWatchers]) watcher(tokens)
    const info = refreshTokenInfoOf(tokens.refreshToken)
    /** @type {TokensEventDetail} */
    const detail = {
      source,
      fromTab,
      version: tokens.version,
      expiresIn: tokens.expiresIn,
      accessTokenExpiresAt: tokens.accessTokenExpiresAt,
      refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
      generation: info.generation,
      family: info.family
    }
    const gen = info.generation != null ? `, generation ${info.generation}` : ''
    if (source === 'login') this.#log('login', `Logged in (access token valid ${tokens.expiresIn} s${gen})`)
    else if (source === 'refresh') this.#log('refresh', `Refreshed by tab ${this.#tabId}${gen}`)
    else this.#log('tab', `Using tokens from tab ${fromTab ?? '?'}${gen}`)
    this.dispatchEvent(new CustomEvent('tokens', { detail }))
  }

  /**
   * Whether a token set from another tab should replace ours: the more recent set wins. (Not the
   * version marker: this runs when a message arrives, possibly before the sender's marker write is
   * readable here, and a stale marker would make this tab refuse the newer set.)
   * @param {TokenSet} incoming
   */
  #shouldAdopt (incoming) {
    if (this.#loggingOut || this.#disposed || this.#isDead(incoming)) return false
    const ours = this.#tokens
    if (ours == null) return true
    if (incoming.version === ours.version) return false
    return isNewer(incoming, ours)
  }

  /** @param {TokenSet} tokens */
  #isDead (tokens) {
    if (tokens.receivedAt <= this.#deadBefore || this.#deadVersions.has(tokens.version)) return true
    const family = refreshTokenInfoOf(tokens.refreshToken).family
    return family != null && this.#deadFamilies.has(family)
  }

  /**
   * @param {TokenSet|null} tokens
   * @param {boolean} everythingBefore true for logout: every set issued until now is dead.
   */
  #markDead (tokens, everythingBefore) {
    if (everythingBefore) this.#deadBefore = Math.max(this.#deadBefore, Date.now())
    if (tokens == null) return
    this.#deadVersions.add(tokens.version)
    const family = refreshTokenInfoOf(tokens.refreshToken).family
    if (family != null) this.#deadFamilies.add(family)
  }

  /** @param {boolean} removeMarker */
  #clearLocal (removeMarker) {
    this.#tokens = null
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#dueAt = Infinity
    this.#cooldownUntil = 0
    if (removeMarker) this.#removeMarker()
    removeStorage('sessionStorage', this.#keys.session)
  }

  /**
   * Terminal: forget the tokens and tell the page (and, if `broadcast`, the other tabs).
   * @param {ReasonCode} code
   * @param {string} message
   * @param {boolean} broadcast
   */
  #endSession (code, message, broadcast) {
    const tokens = this.#tokens
    this.#markDead(tokens, false)
    this.#clearLocal(broadcast)
    this.#reason = { code, message }
    if (broadcast && tokens) {
      this.#post({
        type: 'session-ended',
        code,
        reason: message,
        version: tokens.version,
        family: refreshTokenInfoOf(tokens.refreshToken).family,
        receivedAt: tokens.receivedAt
      })
    }
    this.#log('error', `Session ended: ${message}`)
    this.dispatchEvent(new CustomEvent('session-ended', { detail: { code, reason: message, origin: 'this-tab', fromTab: null } }))
  }

  #endedError () {
    return new SessionEndedError(this.#reason?.message ?? 'Not logged in', this.#reason?.code ?? null)
  }

  #schedule () {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#dueAt = Infinity
    const tokens = this.#tokens
    if (tokens == null || !this.#cfg.proactiveRefresh || this.#disposed) return
    const due = Math.max(this.#proactiveDueAt(tokens), this.#cooldownUntil)
    this.#dueAt = due
    this.#timer = setTimeout(() => this.#proactive('timer'), Math.max(MIN_REFRESH_DELAY_MS, due - Date.now()))
  }

  /** @param {string} trigger */
  #proactive (trigger) {
    const tokens = this.#tokens
    if (tokens == null) return
    const why = trigger === 'timer' ? 'proactive, before expiry' : 'page became visible after the refresh was due'
    this.#refreshFrom(tokens.version, why, true).catch(() => {
      // Already reported through `log`/`refresh-error`/`session-ended`; a back-off timer is set where useful.
    })
  }

  #listenVisibility () {
    const doc = globalThis.document
    if (doc == null || this.#removeVisibilityListener) return
    const onChange = () => {
      if (doc.visibilityState !== 'visible' || this.#tokens == null || !this.#cfg.proactiveRefresh) return
      if (Date.now() >= this.#dueAt) this.#proactive('visible')
    }
    doc.addEventListener('visibilitychange', onChange)
    this.#removeVisibilityListener = () => doc.removeEventListener('visibilitychange', onChange)
  }

  // ---------------------------------------------------------------------------------------------
  // Cross-tab channel

  #openChannel () {
    if (this.#channel || typeof globalThis.BroadcastChannel !== 'function') return
    this.#channel = new BroadcastChannel(this.#keys.channel)
    this.#channel.onmessage = (event) => this.#onMessage(event.data)
  }

  /** @param {Record<string, unknown>} message */
  #post (message) {
    try {
      this.#channel?.postMessage({ v: PROTOCOL_VERSION, from: this.#tabId, ...message })
    } catch (err) {
      this.#log('error', `Could not message the other tabs: ${errorMessage(err)}`)
    }
  }

  /** @param {any} msg */
  #onMessage (msg) {
    if (msg == null || msg.v !== PROTOCOL_VERSION || typeof msg.type !== 'string' || this.#disposed) return
    const from = typeof msg.from === 'string' ? msg.from : '?'
    switch (msg.type) {
      case 'hello':
        if (this.#tokens && !this.#loggingOut) {
          this.#post({ type: 'tokens', tokens: this.#tokens, source: 'reply', to: from })
        }
        break
      case 'tokens': {
        const tokens = asTokenSet(msg.tokens)
        if (tokens == null) return
        for (const collect of [...this.#peerCollectors]) collect(tokens, from)
        if (this.#peerCollectors.size > 0 && this.#tokens == null) return // init() decides
        if (this.#shouldAdopt(tokens)) this.#adopt(tokens, 'peer', from)
        break
      }
      case 'logout':
        this.#markDead(this.#tokens, true)
        if (this.#tokens == null) break
        this.#clearLocal(false)
        this.#reason = { code: 'peer_logout', message: 'You logged out in another tab.' }
        this.#log('tab', `Logged out in tab ${from}`)
        this.dispatchEvent(new CustomEvent('logout', { detail: { origin: 'peer', fromTab: from } }))
        break
      case 'session-ended': {
        const ours = this.#tokens
        if (typeof msg.version === 'string') this.#deadVersions.add(msg.version)
        if (typeof msg.family === 'string') this.#deadFamilies.add(msg.family)
        if (ours == null) break
        const sameFamily = typeof msg.family === 'string' && refreshTokenInfoOf(ours.refreshToken).family === msg.family
        const oursIsNewer = typeof msg.receivedAt === 'number' && ours.receivedAt > msg.receivedAt
        if (!sameFamily && ours.version !== msg.version && oursIsNewer) break // a later login survives
        const code = /** @type {ReasonCode} */ (typeof msg.code === 'string' ? msg.code : 'revoked')
        const reason = typeof msg.reason === 'string' ? msg.reason : 'the session ended in another tab'
        this.#markDead(ours, false)
        this.#clearLocal(false)
        this.#reason = { code, message: reason }
        this.#log('tab', `Session ended in tab ${from}: ${reason}`)
        this.dispatchEvent(new CustomEvent('session-ended', { detail: { code, reason, origin: 'peer', fromTab: from } }))
        break
      }
      case 'unavailable':
        if (typeof msg.retryAt === 'number' && msg.retryAt > this.#cooldownUntil && this.#tokens) {
          this.#cooldownUntil = Math.min(msg.retryAt, Date.now() + REFRESH_RETRY_LATER_MS)
          this.#schedule()
          this.#log('tab', `Tab ${from} reports the token endpoint unavailable; backing off`)
        }
        break
    }
  }

  /**
   * Sends `hello` and collects `tokens` replies for ~300 ms; a reply carrying the version in the
   * marker ends the wait early. Returns the best reply or null.
   * @returns {Promise<{ tokens: TokenSet, from: string }|null>}
   */
  async #askPeers () {
    if (this.#channel == null) return null
    const marker = await this.#readMarker()
    return new Promise((resolve) => {
      /** @type {{ tokens: TokenSet, from: string }|null} */
      let best = null
      /** @param {{ tokens: TokenSet, from: string }|null} result */
      const finish = (result) => {
        clearTimeout(timer)
        this.#peerCollectors.delete(collect)
        resolve(result)
      }
      /** @param {TokenSet} tokens @param {string} from */
      const collect = (tokens, from) => {
        if (this.#isDead(tokens)) return
        if (tokens.version === marker) return finish({ tokens, from })
        if (best == null || isNewer(tokens, best.tokens)) best = { tokens, from }
      }
      const timer = setTimeout(() => finish(best), PEER_REPLY_WAIT_MS)
      this.#peerCollectors.add(collect)
      this.#log('tab', 'Asking other tabs for their tokens')
      this.#post({ type: 'hello' })
    })
  }

  /**
   * Inside the lock: waits until a token set with `version` has been adopted (asking the peers
   * once more, in case their broadcast was missed).
   * @param {string} version
   * @param {number} timeoutMs
   * @returns {Promise<boolean>}
   */
  #waitForPeerVersion (version, timeoutMs) {
    if (this.#tokens?.version === version) return Promise.resolve(true)
    return new Promise((resolve) => {
      /** @param {boolean} ok */
      const finish = (ok) => {
        clearTimeout(timer)
        this.#adoptWatchers.delete(watch)
        resolve(ok)
      }
      /** @param {TokenSet} tokens */
      const watch = (tokens) => { if (tokens.version === version) finish(true) }
      const timer = setTimeout(() => finish(false), timeoutMs)
      this.#adoptWatchers.add(watch)
      this.#post({ type: 'hello' })
    })
  }

  /**
   * @param {LogKind} kind
   * @param {string} message
   */
  #log (kind, message) {
    /** @type {LogEntry} */
    const detail = { time: Date.now(), kind, message, tabId: this.#tabId }
    this.dispatchEvent(new CustomEvent('log', { detail }))
  }
}

export default SilentRefreshClient

/** Acquiring the cross-tab lock took too long (treated like a transient failure). */
class LockTimeoutError extends Error {
  constructor () {
    super(`could not acquire the refresh lock within ${LOCK_ACQUIRE_TIMEOUT_MS / 1000} s`)
    this.name = 'LockTimeoutError'
  }
}

// -----------------------------------------------------------------------------------------------
// Internal helpers

/**
 * @param {any} body A successful token response.
 * @param {number} sentAt Local time the request was sent.
 * @param {TokenSet|null} previous The set that was refreshed, if any.
 * @returns {TokenSet}
 */
function buildTokenSet (body, sentAt, previous) {
  const accessToken = body.access_token
  const refreshToken = typeof body.refresh_token === 'string' ? body.refresh_token : previous?.refreshToken
  if (typeof accessToken !== 'string' || accessToken === '') throw new Error('no access_token in the token response')
  if (typeof refreshToken !== 'string' || refreshToken === '') throw new Error('no refresh_token in the token response')
  if (typeof body.token_type === 'string' && body.token_type.toLowerCase() !== 'bearer') {
    throw new Error(`unsupported token_type ${body.token_type}`)
  }
  let expiresIn = typeof body.expires_in === 'number' || typeof body.expires_in === 'string' ? Number(body.expires_in) : NaN
  if (!Number.isFinite(expiresIn) || expiresIn < 0) expiresIn = lifetimeFromJwt(accessToken) ?? 60
  let refreshExpiresIn = Number(body.refresh_expires_in)
  if (!Number.isFinite(refreshExpiresIn) || refreshExpiresIn < 0) refreshExpiresIn = lifetimeFromJwt(refreshToken) ?? 0
  return {
    accessToken,
    refreshToken,
    idToken: typeof body.id_token === 'string' ? body.id_token : previous?.idToken ?? null,
    receivedAt: sentAt,
    expiresIn,
    accessTokenExpiresAt: sentAt + expiresIn * 1000,
    // 0 means "no expiry" in Keycloak (offline tokens).
    refreshTokenExpiresAt: refreshExpiresIn > 0 ? sentAt + refreshExpiresIn * 1000 : null,
    version: randomUrlSafe(16)
  }
}

/**
 * `exp - iat` of a JWT (a duration, so clock skew does not matter), or null.
 * @param {string} jwt
 */
function lifetimeFromJwt (jwt) {
  const claims = safeDecode(jwt)
  if (claims && typeof claims.exp === 'number' && typeof claims.iat === 'number' && claims.exp > claims.iat) {
    return claims.exp - claims.iat
  }
  return null
}

/**
 * Validates a token set received from another tab.
 * @param {any} value
 * @returns {TokenSet|null}
 */
function asTokenSet (value) {
  if (value == null || typeof value !== 'object') return null
  const ok = typeof value.accessToken === 'string' && typeof value.refreshToken === 'string' &&
    typeof value.version === 'string' && Number.isFinite(value.receivedAt) && Number.isFinite(value.expiresIn) &&
    Number.isFinite(value.accessTokenExpiresAt) &&
    (value.refreshTokenExpiresAt === null || Number.isFinite(value.refreshTokenExpiresAt)) &&
    (value.idToken === null || typeof value.idToken === 'string')
  if (!ok) return null
  return {
    accessToken: value.accessToken,
    refreshToken: value.refreshToken,
    idToken: value.idToken,
    receivedAt: value.receivedAt,
    expiresIn: value.expiresIn,
    accessTokenExpiresAt: value.accessTokenExpiresAt,
    refreshTokenExpiresAt: value.refreshTokenExpiresAt,
    version: value.version
  }
}

/**
 * @param {TokenSet} a
 * @param {TokenSet} b
 */
function isNewer (a, b) {
  return a.receivedAt > b.receivedAt || (a.receivedAt === b.receivedAt && a.version > b.version)
}

/**
 * @param {string} refreshToken
 * @returns {{ generation: number|null, family: string|null }}
 */
function refreshTokenInfoOf (refreshToken) {
  const claims = safeDecode(refreshToken)
  const gen = claims?.rtr_gen
  const generation = typeof gen === 'number' ? gen : (typeof gen === 'string' && /^\d+$/.test(gen) ? Number(gen) : null)
  const family = typeof claims?.rtr_fam === 'string' ? claims.rtr_fam : null
  return { generation, family }
}

/**
 * @param {string|null|undefined} jwt
 * @returns {Record<string, any>|null}
 */
function safeDecode (jwt) {
  if (typeof jwt !== 'string') return null
  try {
    return decodeJwtPayload(jwt)
  } catch {
    return null
  }
}

/**
 * @param {string} raw
 * @returns {Reason|null}
 */
function parseReason (raw) {
  try {
    const value = JSON.parse(raw)
    if (typeof value?.code === 'string' && typeof value.message === 'string') return value
  } catch {}
  return null
}

/** @param {any} body */
function oauthErrorText (body) {
  if (body == null || typeof body.error !== 'string') return ''
  return typeof body.error_description === 'string' ? ` ${body.error}: ${body.error_description}` : ` ${body.error}`
}

/** @param {unknown} err */
function errorMessage (err) {
  if (err instanceof Error) return err.message || err.name
  return String(err)
}

/** @param {string} url */
function shortUrl (url) {
  try {
    const u = new URL(url)
    return u.origin === globalThis.location?.origin ? u.pathname + u.search : u.href
  } catch {
    return url
  }
}

/** @param {number} ms */
function sleep (ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @returns {Promise<T>}
 */
function withTimeout (promise, ms) {
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer
  const timeout = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return /** @type {Promise<T>} */ (Promise.race([promise, timeout]).finally(() => clearTimeout(timer)))
}

/** @type {Map<string, Promise<IDBDatabase>>} one connection per database name and page */
const markerDatabases = new Map()

/**
 * @param {string} name
 * @returns {Promise<IDBDatabase>}
 */
function openMarkerDatabase (name) {
  let opening = markerDatabases.get(name)
  if (opening == null) {
    opening = new Promise((resolve, reject) => {
      const request = globalThis.indexedDB.open(name, 1)
      request.onupgradeneeded = () => { request.result.createObjectStore(MARKER_STORE) }
      request.onsuccess = () => {
        const db = request.result
        db.onversionchange = () => {
          db.close()
          markerDatabases.delete(name)
        }
        db.onclose = () => markerDatabases.delete(name) // e.g. site data cleared: reopen next time
        resolve(db)
      }
      request.onerror = () => reject(request.error)
      request.onblocked = () => reject(new Error('IndexedDB open blocked'))
    })
    opening.catch(() => markerDatabases.delete(name))
    markerDatabases.set(name, opening)
  }
  return opening
}

/**
 * One IndexedDB transaction on the marker store; resolves with the request's result once the
 * transaction has committed (so a write is visible to every transaction that starts afterwards).
 * @param {string} name
 * @param {IDBTransactionMode} mode
 * @param {(store: IDBObjectStore) => IDBRequest} operation
 * @returns {Promise<any>}
 */
async function markerTransaction (name, mode, operation) {
  const db = await openMarkerDatabase(name)
  return new Promise((resolve, reject) => {
    const tx = db.transaction(MARKER_STORE, mode)
    const request = operation(tx.objectStore(MARKER_STORE))
    tx.oncomplete = () => resolve(request.result)
    tx.onerror = () => reject(tx.error)
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
  })
}

/**
 * Seconds or HTTP-date form of Retry-After, in ms; null if absent or unparsable.
 * @param {string|null} value
 */
function parseRetryAfterMs (value) {
  if (value == null || value.trim() === '') return null
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now())
}

function currentUrlWithoutCallbackParams () {
  const url = new URL(location.href)
  for (const name of CALLBACK_PARAMS) url.searchParams.delete(name)
  return url.pathname + url.search + url.hash
}

/**
 * Removes the callback parameters from the address bar (and restores the page the login started
 * from, when it is a same-origin path), without a reload.
 * @param {string|undefined} returnTo
 */
function cleanCallbackUrl (returnTo) {
  let target = currentUrlWithoutCallbackParams()
  if (typeof returnTo === 'string' && returnTo.startsWith('/') && !returnTo.startsWith('//')) target = returnTo
  history.replaceState(history.state, '', target)
}

/**
 * @param {'localStorage'|'sessionStorage'} area
 * @param {string} key
 * @returns {string|null}
 */
function readStorage (area, key) {
  try {
    return globalThis[area]?.getItem(key) ?? null
  } catch {
    return null
  }
}

/**
 * @param {'localStorage'|'sessionStorage'} area
 * @param {string} key
 * @param {string} value
 */
function writeStorage (area, key, value) {
  try {
    globalThis[area]?.setItem(key, value)
  } catch {}
}

/**
 * @param {'localStorage'|'sessionStorage'} area
 * @param {string} key
 */
function removeStorage (area, key) {
  try {
    globalThis[area]?.removeItem(key)
  } catch {}
}

/** @param {Uint8Array} bytes */
function base64UrlEncode (bytes) {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

// -----------------------------------------------------------------------------------------------
// Exported pure helpers

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/

/**
 * Parses a `WWW-Authenticate` header (RFC 9110 §11.6.1 / RFC 6750 §3) into challenges. Scheme and
 * parameter names are lower-cased (they are case-insensitive); quoted-string values are unescaped.
 * Parsing stops at the first syntax error and returns what was understood until then.
 * @param {string|null|undefined} header
 * @returns {AuthChallenge[]}
 */
export function parseWwwAuthenticate (header) {
  /** @type {AuthChallenge[]} */
  const challenges = []
  if (typeof header !== 'string') return challenges
  const s = header
  const n = s.length
  let i = 0
  /** @type {AuthChallenge|null} */
  let current = null
  const skipSpaces = () => { while (i < n && (s[i] === ' ' || s[i] === '\t')) i++ }
  const readToken = () => {
    const start = i
    while (i < n && TCHAR.test(s[i])) i++
    return s.slice(start, i)
  }
  const readQuoted = () => {
    let value = ''
    i++ // opening quote
    while (i < n) {
      const c = s[i++]
      if (c === '"') return value
      if (c === '\\') {
        if (i >= n) return null
        value += s[i++]
      } else {
        value += c
      }
    }
    return null // unterminated
  }

  while (i < n) {
    skipSpaces()
    if (s[i] === ',') { i++; continue }
    if (i >= n) break
    const token = readToken()
    if (token === '') break
    const afterToken = i
    skipSpaces()
    if (current != null && s[i] === '=') {
      // auth-param: name BWS "=" BWS ( token / quoted-string )
      i++
      skipSpaces()
      const value = s[i] === '"' ? readQuoted() : readToken()
      if (value == null) break
      const name = token.toLowerCase()
      if (!(name in current.params)) current.params[name] = value
      skipSpaces()
      if (i < n && s[i] !== ',') break
      continue
    }
    current = { scheme: token.toLowerCase(), params: {}, token68: null }
    challenges.push(current)
    if (i > afterToken) {
      const match = TOKEN68.exec(s.slice(i))
      if (match && /^[ \t]*(,|$)/.test(s.slice(i + match[0].length))) {
        current.token68 = match[0]
        i += match[0].length
      }
    }
  }
  return challenges
}

/**
 * True for a 401 whose `WWW-Authenticate` has a Bearer challenge with `error="invalid_token"`:
 * the only answer for which refreshing the access token can help.
 * @param {{ status: number, headers: { get(name: string): string|null } }} response
 */
export function isInvalidTokenChallenge (response) {
  if (response == null || response.status !== 401) return false
  return parseWwwAuthenticate(response.headers.get('WWW-Authenticate'))
    .some((c) => c.scheme === 'bearer' && c.params.error === 'invalid_token')
}

/**
 * Delay from receiving a token until the proactive refresh: `expiresIn - lead`, where
 * `lead = min(leadSeconds, expiresIn / 3)`, and never less than 1 s, so a tiny lifetime cannot
 * turn into a refresh loop.
 * @param {number} expiresInSeconds `expires_in` of the token response.
 * @param {number} [leadSeconds] Default 15.
 * @returns {number} milliseconds
 */
export function refreshDelayMs (expiresInSeconds, leadSeconds = 15) {
  if (!Number.isFinite(expiresInSeconds) || expiresInSeconds <= 0) return MIN_REFRESH_DELAY_MS
  const wanted = Number.isFinite(leadSeconds) && leadSeconds > 0 ? leadSeconds : 0
  const lead = Math.min(wanted, expiresInSeconds / 3)
  return Math.max(MIN_REFRESH_DELAY_MS, Math.round((expiresInSeconds - lead) * 1000))
}

/**
 * Exponential back-off before retry number `attempt + 1`: 1 s, 2 s, 4 s, … capped at 30 s.
 * @param {number} attempt 0 for the wait after the first failure.
 * @returns {number} milliseconds
 */
export function backoffDelayMs (attempt) {
  const n = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0
  return Math.min(1000 * 2 ** Math.min(n, 30), MAX_RETRY_AFTER_MS)
}

/**
 * Decodes the payload of a compact JWS (base64url, UTF-8 JSON object). Does NOT verify anything.
 * @param {string} jwt
 * @returns {Record<string, any>}
 * @throws {TypeError} with a message starting "Invalid JWT:" when the input is not a JWT.
 */
export function decodeJwtPayload (jwt) {
  if (typeof jwt !== 'string') throw new TypeError('Invalid JWT: expected a string')
  const parts = jwt.split('.')
  if (parts.length !== 3) throw new TypeError(`Invalid JWT: expected 3 dot-separated parts, got ${parts.length}`)
  const segment = parts[1]
  if (!/^[A-Za-z0-9_-]+$/.test(segment) || segment.length % 4 === 1) {
    throw new TypeError('Invalid JWT: the payload is not base64url')
  }
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - segment.length % 4) % 4)
  let text
  try {
    const binary = atob(base64)
    const bytes = new Uint8Array(binary.length)
    for (let k = 0; k < binary.length; k++) bytes[k] = binary.charCodeAt(k)
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new TypeError('Invalid JWT: the payload is not base64url-encoded UTF-8')
  }
  /** @type {unknown} */
  let payload
  try {
    payload = JSON.parse(text)
  } catch {
    throw new TypeError('Invalid JWT: the payload is not JSON')
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new TypeError('Invalid JWT: the payload is not a JSON object')
  }
  return /** @type {Record<string, any>} */ (payload)
}

/**
 * `bytes` random bytes from `crypto.getRandomValues`, base64url without padding.
 * @param {number} [bytes] Default 32 (43 characters, a valid PKCE verifier).
 * @returns {string}
 */
export function randomUrlSafe (bytes = 32) {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 65536) throw new RangeError('bytes must be an integer from 1 to 65536')
  const buffer = new Uint8Array(bytes)
  crypto.getRandomValues(buffer)
  return base64UrlEncode(buffer)
}

/**
 * PKCE `code_challenge` for `code_challenge_method=S256` (RFC 7636 §4.2):
 * BASE64URL(SHA-256(ASCII(verifier))).
 * @param {string} verifier 43–128 characters of [A-Za-z0-9-._~].
 * @returns {Promise<string>}
 */
export async function pkceChallengeS256 (verifier) {
  if (typeof verifier !== 'string' || !/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) {
    throw new TypeError('PKCE verifier must be 43-128 characters of [A-Za-z0-9-._~]')
  }
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))
  return base64UrlEncode(new Uint8Array(digest))
}
