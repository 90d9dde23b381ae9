// @ts-check
/**
 * @file The token owner: the only holder of the refresh token in the browser. It runs in a SharedWorker (one per browser
 * and client), or, where SharedWorker is missing, in a dedicated worker per tab (each tab then has a login family of its
 * own, so tabs never present each other's tokens). Pages talk to it over a MessagePort and receive access tokens only.
 *
 * Everything that changes the session (refresh, code exchange, logout) runs one at a time in this single-threaded owner, so
 * a login finished in one tab while another tab refreshes cannot leave a stale set behind; each installed set gets the
 * next `version`, and pages order sets by that number, never by wall-clock time.
 *
 * Refresh rules (see refresh-policy.js for the window arithmetic): one request at a time, aborted at its deadline; the same
 * token is re-sent only while that surely reaches Keycloak inside the grace window counted from its first send; a token
 * whose fate is unknown after that is never sent again and a silent `prompt=none` login starts a new family; only
 * `invalid_grant` ends the session; 503, 5xx, 429 and network errors keep it, with a short capped back-off and a probe as
 * soon as a page needs a token again.
 */
import { DueTimer } from './due-timer.js'
import { createDpopProof, loadOrCreateDpopKey } from './dpop.js'
import { RefreshFailedError, RefreshUnavailableError, SessionEndedError, TokenRejectedError, toErrorData } from './errors.js'
import { IdbStore } from './idb.js'
import { authorizationRequest, callbackState, checkAuthorizationResponse, checkIdToken, discover, tokenRequest } from './oidc.js'
import {
  classifyTokenResponse, DEFAULT_REQUEST_TIMEOUT_MS, MIN_PROBE_GAP_MS, nextReplay, parseRetryAfterMs, probeDelayMs,
  REFUSAL_COOLDOWN_MS, RETRY_DELAY_MS
} from './refresh-policy.js'
import { accessTokenView, needsRefresh, refreshDueAt, tokenSetFromResponse } from './token-set.js'

/** Pending logins older than this are forgotten (Keycloak's own login timeout is 30 min; MFA may take a while). */
const PENDING_LOGIN_MAX_AGE_MS = 60 * 60_000
/** How long the owner waits for a page to run a silent login in an iframe. */
const SILENT_LOGIN_WAIT_MS = 10_000
/** A hint from another tab (dedicated mode) triggers at most one check against Keycloak per this interval. */
const VERIFY_MIN_INTERVAL_MS = 10_000

/**
 * The configuration a page hands to the owner. The first page's configuration counts; later pages must agree on the client.
 * @typedef {object} OwnerConfig
 * @property {string} issuer
 * @property {string} clientId
 * @property {string} scope
 * @property {number} graceSeconds the server's grace window for a retried refresh (refresh-token-rotation's grace-period-seconds)
 * @property {number} refreshLeadSeconds
 * @property {boolean} proactiveRefresh
 * @property {boolean} dpop bind tokens to a DPoP key
 * @property {number} [requestTimeoutMs]
 */

/**
 * A page's end of the conversation (MessagePort, or the dedicated worker's global scope).
 * @typedef {{ postMessage(message: any): void, onmessage: ((event: MessageEvent) => void)|null }} Port
 */

/**
 * Hooks for code that builds its own worker entry around the owner (the demo's replay button uses them).
 * @typedef {object} OwnerHooks
 * @property {(tokens: import('./token-set.js').TokenSet) => void} [tokenSetInstalled]
 * @property {Record<string, (message: any, owner: TokenOwner) => Promise<any>>} [handlers] extra request types
 */

export class TokenOwner {
  /** @type {OwnerConfig|null} */
  #config = null
  /** @type {import('./oidc.js').ProviderMetadata|null} */
  #metadata = null
  /** @type {Promise<import('./oidc.js').ProviderMetadata>|null} */
  #discovering = null
  /** @type {import('./token-set.js').TokenSet|null} */
  #tokens = null
  #version = 0
  /** @type {{ code: string, message: string }|null} */
  #reason = null
  /** @type {Set<Port>} */
  #ports = new Set()
  /** @type {Port|null} */
  #lastActivePort = null
  /** @type {Promise<unknown>} the exclusive section: refresh, code exchange and logout never overlap */
  #exclusive = Promise.resolve()
  /** @type {{ forVersion: number, promise: Promise<void> }|null} */
  #inflight = null
  /** monotonic time of the first send whose outcome is unknown, for the current refresh token */
  #uncertainSince = /** @type {number|null} */ (null)
  /** the refresh token may have been consumed without our seeing the answer: never send it again */
  #tainted = false
  #cooldownUntil = 0
  #probeAttempts = 0
  #lastAttemptEndedAt = -Infinity
  /** @type {number|null} */
  #retryAt = null
  #obtainedAfter401 = false
  #lastVerifyAt = -Infinity
  /** @type {Promise<void>|null} */
  #recovering = null
  /** @type {Map<string, (result: { href?: string, error?: string }) => void>} silent logins waiting for their page */
  #silentWaiters = new Map()
  #counters = { refreshRequests: 0, codeExchanges: 0 }
  /** @type {import('./dpop.js').DpopKey|null} */
  #dpopKey = null
  /** @type {string|null} */
  #dpopNonce = null
  #timer = new DueTimer(() => this.#proactive())
  #fetch
  #hooks
  #monotonic

  /**
   * @param {{ fetch?: typeof fetch, hooks?: OwnerHooks, monotonic?: () => number }} [options]
   */
  constructor (options = {}) {
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
    this.#hooks = options.hooks ?? {}
    this.#monotonic = options.monotonic ?? (() => performance.now())
  }

  /** The provider metadata (after the first page configured the owner). */
  get metadata () { return this.#metadata }

  /** The configuration of the first page. */
  get config () { return this.#config }

  /**
   * A DPoP proof for a request of the owner's client, or null without DPoP (for hooks).
   * @param {string} htm
   * @param {string} htu
   */
  async dpopProof (htm, htu) {
    if (this.#config?.dpop !== true) return null
    return createDpopProof(await this.#ensureDpopKey(), { htm, htu, nonce: this.#dpopNonce })
  }

  /** @param {Port} port */
  connect (port) {
    this.#ports.add(port)
    port.onmessage = (event) => { this.#onMessage(port, event.data) }
  }

  // --------------------------------------------------------------------------------------------------------------------
  // Messages

  /**
   * @param {Port} port
   * @param {any} message
   */
  async #onMessage (port, message) {
    if (message == null || typeof message !== 'object' || typeof message.type !== 'string') return
    const id = message.id
    if (message.type === 'bye') {
      this.#ports.delete(port)
      if (this.#lastActivePort === port) this.#lastActivePort = null
      return
    }
    this.#ports.add(port)
    this.#lastActivePort = port
    try {
      const result = await this.#handle(message)
      if (id != null) port.postMessage({ id, ok: true, result })
    } catch (err) {
      if (id != null) port.postMessage({ id, ok: false, error: toErrorData(err) })
    }
  }

  /** @param {any} message */
  async #handle (message) {
    if (message.type === 'configure') return this.#configure(message.config)
    if (this.#config == null) throw new Error('the owner is not configured yet')
    switch (message.type) {
      case 'status': return this.#status()
      case 'token': return accessTokenView(await this.#ensureFresh(Number(message.minValidity ?? 5), 'a page needs a token'))
      case 'rejected': return this.#rejected(Number(message.version))
      case 'refresh': return this.#forceRefresh()
      case 'proof': return this.#proof(message)
      case 'begin-login': return this.#beginLogin(message)
      case 'callback': return this.#callback(String(message.href))
      case 'silent-login-failed': return this.#silentLoginFailed(message)
      case 'logout': return this.#logout()
      case 'verify': return this.#verify()
      default: {
        const handler = this.#hooks.handlers?.[message.type]
        if (handler == null || !Object.hasOwn(this.#hooks.handlers ?? {}, message.type)) throw new Error(`unknown request ${message.type}`)
        return handler(message, this)
      }
    }
  }

  /**
   * @param {any} config
   */
  async #configure (config) {
    if (config == null || typeof config.issuer !== 'string' || typeof config.clientId !== 'string') throw new Error('bad configuration')
    if (this.#config == null) {
      this.#config = {
        issuer: config.issuer,
        clientId: config.clientId,
        scope: typeof config.scope === 'string' ? config.scope : 'openid profile email',
        graceSeconds: Number.isFinite(config.graceSeconds) && config.graceSeconds >= 0 ? config.graceSeconds : 0,
        refreshLeadSeconds: Number.isFinite(config.refreshLeadSeconds) ? config.refreshLeadSeconds : 15,
        proactiveRefresh: config.proactiveRefresh !== false,
        dpop: config.dpop === true,
        requestTimeoutMs: Number.isFinite(config.requestTimeoutMs) ? config.requestTimeoutMs : DEFAULT_REQUEST_TIMEOUT_MS
      }
      this.#log('tab', `Token owner started (${'onconnect' in globalThis ? 'shared by the tabs of this browser' : 'for this tab only'}` +
        `${this.#config.dpop ? ', DPoP' : ''}, grace window ${this.#config.graceSeconds} s)`)
    } else if (config.issuer !== this.#config.issuer || config.clientId !== this.#config.clientId || (config.dpop === true) !== this.#config.dpop) {
      throw new Error('another page configured this owner for a different client')
    }
    return this.#status()
  }

  #status () {
    return {
      loggedIn: this.#tokens != null,
      view: this.#tokens ? accessTokenView(this.#tokens) : null,
      reason: this.#reason,
      counters: { ...this.#counters },
      tainted: this.#tainted,
      retryAt: this.#retryAt
    }
  }

  // --------------------------------------------------------------------------------------------------------------------
  // Access tokens for pages

  /**
   * @param {number} minValiditySeconds
   * @param {string} why
   * @returns {Promise<import('./token-set.js').TokenSet>}
   */
  async #ensureFresh (minValiditySeconds, why) {
    const tokens = this.#tokens
    if (tokens == null) throw this.#endedError()
    if (!needsRefresh(tokens, minValiditySeconds, Date.now())) return tokens
    if (this.#inflight == null && this.#recovering == null) {
      if (Date.now() < this.#cooldownUntil) {
        throw new RefreshFailedError('The token endpoint refused the last refresh; no new try before ' +
          new Date(this.#cooldownUntil).toLocaleTimeString(), 0, null)
      }
      // a page that needs a token probes an unavailable Keycloak sooner than the back-off timer would
      if (this.#monotonic() - this.#lastAttemptEndedAt < MIN_PROBE_GAP_MS) {
        throw new RefreshUnavailableError('Keycloak is unavailable; the session is kept and retried shortly', this.#retryAt)
      }
    }
    await this.#refresh(tokens.version, why)
    const fresh = this.#tokens
    if (fresh == null) throw this.#endedError()
    return fresh
  }

  /**
   * The API answered 401 invalid_token to the access token of `version`: at most one refresh per token for that reason.
   * @param {number} version
   */
  async #rejected (version) {
    const tokens = this.#tokens
    if (tokens == null) throw this.#endedError()
    if (version < tokens.version) return accessTokenView(tokens) // a newer token exists already: just retry with it
    if (this.#inflight?.forVersion === version) {
      await this.#inflight.promise
      return accessTokenView(this.#tokens ?? tokens)
    }
    if (this.#obtainedAfter401) {
      const message = 'The API rejects freshly refreshed access tokens too (wrong audience or clock?); not refreshing again for it'
      this.#log('error', message)
      this.#broadcast('refresh-error', { code: 'token_rejected', message, retryAt: null })
      throw new TokenRejectedError(message)
    }
    await this.#refresh(version, 'the API rejected the access token (401 invalid_token)', true)
    const fresh = this.#tokens
    if (fresh == null) throw this.#endedError()
    return accessTokenView(fresh)
  }

  async #forceRefresh () {
    const tokens = this.#tokens
    if (tokens == null) throw this.#endedError()
    this.#cooldownUntil = 0
    await this.#refresh(tokens.version, 'refresh requested')
    return accessTokenView(/** @type {import('./token-set.js').TokenSet} */ (this.#tokens))
  }

  /** @param {any} message */
  async #proof (message) {
    const tokens = this.#tokens
    if (tokens == null) throw this.#endedError()
    if (this.#config?.dpop !== true || tokens.tokenType !== 'DPoP') return { proof: null }
    if (Number(message.version) !== tokens.version) throw new RefreshFailedError('the access token changed; ask for the new one', 0, null)
    const proof = await createDpopProof(await this.#ensureDpopKey(), {
      htm: String(message.htm), htu: String(message.htu), accessToken: tokens.accessToken, nonce: typeof message.nonce === 'string' ? message.nonce : null
    })
    return { proof }
  }

  // --------------------------------------------------------------------------------------------------------------------
  // Refresh

  /**
   * Makes sure the set `forVersion` is replaced (single flight: every caller for the same version shares one run).
   * @param {number} forVersion
   * @param {string} why
   * @param {boolean} [after401]
   */
  async #refresh (forVersion, why, after401 = false) {
    if (this.#tokens?.version !== forVersion) return
    if (this.#tainted) return this.#recover(why)
    if (this.#inflight?.forVersion !== forVersion) {
      const promise = this.#inExclusive(() => this.#runRefresh(forVersion, why, after401))
        .finally(() => { if (this.#inflight?.promise === promise) this.#inflight = null })
      this.#inflight = { forVersion, promise }
    }
    await this.#inflight.promise
  }

  /**
   * @param {number} forVersion
   * @param {string} why
   * @param {boolean} after401
   */
  async #runRefresh (forVersion, why, after401) {
    const config = /** @type {OwnerConfig} */ (this.#config)
    const tokens = this.#tokens
    if (tokens == null) throw this.#endedError()
    if (tokens.version !== forVersion) return // replaced while we waited for the exclusive section
    if (this.#tainted) throw new RefreshUnavailableError('getting a new session silently', this.#retryAt)
    const metadata = await this.#ensureMetadata()
    this.#log('refresh', `Refreshing tokens (${why})`)
    const graceMs = config.graceSeconds * 1000
    let nonceRetried = false
    let replays = 0
    for (let attempt = 0; ; attempt++) {
      let timeoutMs = config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
      if (this.#uncertainSince != null) {
        const replay = nextReplay({ firstSentAt: this.#uncertainSince, now: this.#monotonic(), graceMs, timeoutMs, delayMs: 0 })
        if (replay == null) return this.#taint()
        timeoutMs = replay.timeoutMs
      }
      const sentAt = Date.now()
      const sentAtMonotonic = this.#monotonic()
      const controller = new AbortController()
      const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs)
      this.#counters.refreshRequests++
      this.#broadcast('token-request', { grantType: 'refresh_token', attempt, counters: { ...this.#counters } })
      const answer = await tokenRequest(metadata.token_endpoint, {
        grant_type: 'refresh_token', refresh_token: tokens.refreshToken, client_id: config.clientId
      }, { fetch: this.#fetch, signal: controller.signal, dpopProof: await this.dpopProof('POST', metadata.token_endpoint) })
      clearTimeout(timer)
      this.#lastAttemptEndedAt = this.#monotonic()
      if (answer.dpopNonce) this.#dpopNonce = answer.dpopNonce
      if (this.#tokens !== tokens) return // logged out or replaced meanwhile: this answer is forgotten
      if (answer.body?.error === 'use_dpop_nonce' && !nonceRetried) { nonceRetried = true; continue }
      const outcome = classifyTokenResponse(answer.status, answer.body)
      if (outcome === 'ok') {
        const next = tokenSetFromResponse(answer.body, sentAt, ++this.#version, tokens)
        checkIdToken(typeof answer.body.id_token === 'string' ? next.idToken : null,
          { issuer: config.issuer, clientId: config.clientId, subject: tokens.subject, required: false })
        this.#install(next, 'refresh')
        this.#obtainedAfter401 = after401
        return
      }
      if (outcome === 'terminal') {
        this.#endSession('revoked', typeof answer.body?.error_description === 'string' ? answer.body.error_description : 'invalid_grant')
        throw this.#endedError()
      }
      if (outcome === 'refused') {
        this.#cooldownUntil = Date.now() + REFUSAL_COOLDOWN_MS
        const message = `The token endpoint refused the refresh: HTTP ${answer.status} ${answer.body?.error ?? ''}`.trim()
        this.#log('error', message)
        this.#broadcast('refresh-error', { code: 'refresh_failed', message, retryAt: this.#cooldownUntil })
        throw new RefreshFailedError(message, answer.status ?? 0, typeof answer.body?.error === 'string' ? answer.body.error : null)
      }
      const what = answer.status == null ? errorText(answer.error) : `HTTP ${answer.status}`
      if (outcome === 'uncertain' && this.#uncertainSince == null) this.#uncertainSince = sentAtMonotonic
      if (this.#uncertainSince == null) {
        // 503 or 429: Keycloak did not rotate; the token stays the newest, try again after a short back-off
        return this.#unavailable(what, parseRetryAfterMs(answer.retryAfter, Date.now()))
      }
      // the pauses double (0.5, 1, 2 s, …): a few tries inside the window, not a burst
      const pause = RETRY_DELAY_MS * 2 ** replays++
      this.#log('refresh', `No usable answer (${what}); the same refresh token may be sent again only inside the grace window`)
      await sleep(pause)
      if (this.#tokens !== tokens) return
    }
  }

  /**
   * @param {string} what
   * @param {number|null} retryAfterMs
   * @returns {never}
   */
  #unavailable (what, retryAfterMs) {
    const delay = probeDelayMs(this.#probeAttempts++, retryAfterMs)
    this.#retryAt = Date.now() + delay
    if (this.#config?.proactiveRefresh !== false || this.#tokens != null) this.#timer.schedule(this.#retryAt)
    const message = `Keycloak is unavailable (${what}); the session is kept, next try in ${Math.round(delay / 1000)} s`
    this.#log('error', message)
    this.#broadcast('refresh-error', { code: 'refresh_unavailable', message, retryAt: this.#retryAt })
    throw new RefreshUnavailableError(message, this.#retryAt)
  }

  /** @returns {never} */
  #taint () {
    this.#tainted = true
    this.#uncertainSince = null
    const message = 'No answer from Keycloak within the grace window: the refresh token may have been used, so it is never sent ' +
      'again. Getting a new session silently from the Keycloak SSO session…'
    this.#log('error', message)
    this.#broadcast('refresh-error', { code: 'refresh_unavailable', message, retryAt: null })
    this.#scheduleRecovery()
    throw new RefreshUnavailableError(message, null)
  }

  #scheduleRecovery () {
    const delay = probeDelayMs(this.#probeAttempts++)
    this.#retryAt = Date.now() + delay
    this.#timer.schedule(this.#retryAt)
  }

  /**
   * Replaces a tainted refresh token by a silent `prompt=none` login in a page's hidden iframe (single flight).
   * @param {string} why
   */
  #recover (why) {
    if (this.#recovering == null) {
      this.#recovering = this.#runRecovery(why).finally(() => { this.#recovering = null })
    }
    return this.#recovering
  }

  /** @param {string} why */
  async #runRecovery (why) {
    const port = this.#lastActivePort ?? [...this.#ports][0]
    if (port == null) throw new RefreshUnavailableError('no page to run a silent login in', null)
    this.#log('login', `Silent login to replace the refresh token (${why})`)
    try {
      const { url, pending } = await this.#createLogin({ prompt: 'none', silent: true, redirectUri: null, returnTo: '/' })
      const result = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve({ error: 'timeout' }), SILENT_LOGIN_WAIT_MS)
        this.#silentWaiters.set(pending.state, (r) => { clearTimeout(timer); resolve(r) })
        port.postMessage({ event: 'run-silent-login', detail: { url, state: pending.state } })
      })
      this.#silentWaiters.delete(pending.state)
      this.#lastAttemptEndedAt = this.#monotonic()
      if (result.error === 'login_required' || result.error === 'interaction_required') {
        this.#endSession('expired', 'the Keycloak session has ended')
        throw this.#endedError()
      }
      if (result.error) throw new Error(result.error)
    } catch (err) {
      if (err instanceof SessionEndedError) throw err
      this.#scheduleRecovery()
      throw new RefreshUnavailableError(`Silent login failed (${errorText(err)}); retrying shortly`, this.#retryAt)
    }
  }

  /** @param {any} message */
  async #silentLoginFailed (message) {
    const waiter = this.#silentWaiters.get(String(message.state))
    waiter?.({ error: typeof message.error === 'string' ? message.error : 'failed' })
    return null
  }

  #proactive () {
    const tokens = this.#tokens
    if (tokens == null) return
    const why = this.#retryAt != null ? 'retry after Keycloak was unavailable' : 'proactive, before expiry'
    this.#refresh(tokens.version, why).catch(() => {
      // reported through log / refresh-error / session-ended; the back-off timer is set where useful
    })
  }

  /** A hint from another tab (dedicated mode) that the session may have changed: ask Keycloak, at most every 10 s. */
  async #verify () {
    const tokens = this.#tokens
    if (tokens == null || this.#monotonic() - this.#lastVerifyAt < VERIFY_MIN_INTERVAL_MS) return this.#status()
    this.#lastVerifyAt = this.#monotonic()
    await this.#refresh(tokens.version, 'another tab reported a change of session').catch(() => {})
    return this.#status()
  }

  // --------------------------------------------------------------------------------------------------------------------
  // Login and logout

  /** @param {any} message */
  async #beginLogin (message) {
    const { url } = await this.#createLogin({
      prompt: typeof message.prompt === 'string' ? message.prompt : null,
      silent: message.silent === true,
      redirectUri: typeof message.redirectUri === 'string' ? message.redirectUri : null,
      returnTo: typeof message.returnTo === 'string' ? message.returnTo : '/'
    })
    return { url }
  }

  /**
   * @param {{ prompt: string|null, silent: boolean, redirectUri: string|null, returnTo: string }} request
   */
  async #createLogin (request) {
    const config = /** @type {OwnerConfig} */ (this.#config)
    const metadata = await this.#ensureMetadata()
    const origin = globalThis.location.origin
    const redirectUri = request.redirectUri ?? (request.silent ? `${origin}/silent-callback.html` : `${origin}/`)
    const key = config.dpop ? await this.#ensureDpopKey() : null
    const login = await authorizationRequest(metadata, {
      clientId: config.clientId, redirectUri, scope: config.scope, prompt: request.prompt, returnTo: request.returnTo,
      silent: request.silent, dpopJkt: key?.thumbprint ?? null
    })
    const store = this.#pendingLogins()
    await store.deleteWhere((value) => !(Date.now() - Number(value?.createdAt) < PENDING_LOGIN_MAX_AGE_MS))
    await store.put(login.pending.state, login.pending)
    return login
  }

  /**
   * An authorization response (a page's URL or an iframe's). Only a state we stored makes it a callback.
   * @param {string} href
   */
  async #callback (href) {
    const state = callbackState(href)
    if (state == null) return { handled: false }
    /** @type {import('./oidc.js').PendingLogin|undefined} */
    const pending = await this.#pendingLogins().take(state)
    if (pending == null) return { handled: false }
    const waiter = this.#silentWaiters.get(state)
    try {
      await this.#inExclusive(() => this.#exchange(href, pending))
      waiter?.({})
      return { handled: true, loggedIn: true, returnTo: pending.returnTo }
    } catch (err) {
      const error = err instanceof Error && 'error' in err ? String(err.error) : 'login_error'
      waiter?.({ error })
      if (waiter == null) {
        if (error === 'login_required') this.#reason = { code: 'silent_login_failed', message: 'login_required' }
        else this.#reason = { code: 'login_error', message: errorText(err) }
        this.#log('error', `Login failed: ${errorText(err)}`)
      }
      return { handled: true, loggedIn: false, returnTo: pending.returnTo, error, message: errorText(err) }
    }
  }

  /**
   * Exchanges a code for a new family (runs in the exclusive section, like every refresh).
   * @param {string} href
   * @param {import('./oidc.js').PendingLogin} pending
   */
  async #exchange (href, pending) {
    const config = /** @type {OwnerConfig} */ (this.#config)
    const metadata = await this.#ensureMetadata()
    const code = checkAuthorizationResponse(href, pending, metadata)
    this.#log('login', pending.silent ? 'Silent login: exchanging the code' : 'Exchanging the authorization code for tokens')
    const sentAt = Date.now()
    this.#counters.codeExchanges++
    this.#broadcast('token-request', { grantType: 'authorization_code', attempt: 0, counters: { ...this.#counters } })
    const answer = await tokenRequest(metadata.token_endpoint, {
      grant_type: 'authorization_code', code, client_id: config.clientId, code_verifier: pending.codeVerifier, redirect_uri: pending.redirectUri
    }, { fetch: this.#fetch, signal: AbortSignal.timeout(config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS), dpopProof: await this.dpopProof('POST', metadata.token_endpoint) })
    if (answer.status !== 200 || typeof answer.body?.access_token !== 'string') {
      throw new Error(`code exchange answered ${answer.status == null ? errorText(answer.error) : `HTTP ${answer.status}`} ${answer.body?.error ?? ''}`.trim())
    }
    const next = tokenSetFromResponse(answer.body, sentAt, this.#version + 1, null)
    checkIdToken(next.idToken, { issuer: config.issuer, clientId: config.clientId, nonce: pending.nonce, required: true })
    const previous = this.#tokens
    const recovery = pending.silent && previous != null
    if (recovery && previous.subject != null && next.subject !== previous.subject) {
      this.#endSession('user_changed', 'another user logged in to Keycloak')
      throw new Error('another user logged in to Keycloak')
    }
    this.#version++
    this.#install(next, recovery ? 'recovery' : 'login')
    this.#obtainedAfter401 = false
  }

  async #logout () {
    return this.#inExclusive(async () => {
      const metadata = await this.#ensureMetadata()
      const idToken = this.#tokens?.idToken ?? null
      this.#endSession('logged_out', 'You logged out.')
      if (this.#dpopKey) {
        await new IdbStore(this.#dbName(), 'keys').delete(this.#dpopKeyId()).catch(() => {})
        this.#dpopKey = null
      }
      return { endSessionEndpoint: metadata.end_session_endpoint ?? null, idToken, clientId: this.#config?.clientId }
    })
  }

  // --------------------------------------------------------------------------------------------------------------------
  // State

  /**
   * @param {import('./token-set.js').TokenSet} tokens
   * @param {'login'|'refresh'|'recovery'} source
   */
  #install (tokens, source) {
    this.#tokens = tokens
    this.#reason = null
    this.#uncertainSince = null
    this.#tainted = false
    this.#probeAttempts = 0
    this.#retryAt = null
    this.#cooldownUntil = 0
    const config = /** @type {OwnerConfig} */ (this.#config)
    if (config.proactiveRefresh) this.#timer.schedule(refreshDueAt(tokens, config.refreshLeadSeconds))
    else this.#timer.cancel()
    this.#hooks.tokenSetInstalled?.(tokens)
    const view = accessTokenView(tokens)
    const gen = view.generation != null ? `, generation ${view.generation}` : ''
    this.#log(source === 'refresh' ? 'refresh' : 'login',
      `${source === 'refresh' ? 'Refreshed' : source === 'recovery' ? 'New session from the Keycloak SSO session' : 'Logged in'}` +
      ` (access token valid ${tokens.expiresIn} s${gen}, version ${tokens.version})`)
    this.#broadcast('tokens', { source, view, counters: { ...this.#counters } })
  }

  /**
   * @param {string} code
   * @param {string} message
   */
  #endSession (code, message) {
    this.#tokens = null
    this.#tainted = false
    this.#uncertainSince = null
    this.#retryAt = null
    this.#timer.cancel()
    this.#reason = { code, message }
    this.#log('error', `Session ended: ${message}`)
    this.#broadcast('session-ended', { code, message })
  }

  #endedError () {
    return new SessionEndedError(this.#reason?.message ?? 'Not logged in', this.#reason?.code ?? null)
  }

  /**
   * @template T
   * @param {() => Promise<T>} work
   * @returns {Promise<T>}
   */
  #inExclusive (work) {
    const run = this.#exclusive.then(work, work)
    this.#exclusive = run.catch(() => {})
    return run
  }

  async #ensureMetadata () {
    if (this.#metadata) return this.#metadata
    const config = /** @type {OwnerConfig} */ (this.#config)
    this.#discovering ??= discover(config.issuer, this.#fetch, AbortSignal.timeout(config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS))
      .finally(() => { this.#discovering = null })
    this.#metadata = await this.#discovering
    return this.#metadata
  }

  async #ensureDpopKey () {
    this.#dpopKey ??= await loadOrCreateDpopKey(new IdbStore(this.#dbName(), 'keys'), this.#dpopKeyId())
    return this.#dpopKey
  }

  #dpopKeyId () { return `dpop:${this.#config?.clientId}` }

  #dbName () { return `silent-refresh:${this.#config?.clientId}` }

  #pendingLogins () { return new IdbStore(this.#dbName(), 'pending-logins') }

  /**
   * @param {string} event
   * @param {unknown} detail
   */
  #broadcast (event, detail) {
    for (const port of this.#ports) {
      try {
        port.postMessage({ event, detail })
      } catch {
        this.#ports.delete(port)
      }
    }
  }

  /**
   * @param {string} kind
   * @param {string} message
   */
  #log (kind, message) {
    this.#broadcast('log', { time: Date.now(), kind, message })
  }
}

/**
 * Serves a token owner in a worker: every connecting page of a SharedWorker, or the one page of a dedicated worker.
 * @param {any} scope the worker's global scope
 * @param {{ hooks?: OwnerHooks }} [options]
 */
export function serveTokenOwner (scope, options = {}) {
  const owner = new TokenOwner({ hooks: options.hooks })
  if ('onconnect' in scope) {
    scope.onconnect = (/** @type {MessageEvent} */ event) => owner.connect(event.ports[0])
  } else {
    owner.connect(scope)
  }
  return owner
}

/** @param {number} ms */
function sleep (ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** @param {unknown} err */
function errorText (err) {
  if (err instanceof Error) return err.message || err.name
  return String(err)
}
