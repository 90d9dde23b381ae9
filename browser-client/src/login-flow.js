// @ts-check
/**
 * @file The token owner's logins and logout: a new authorization request with its pending login stored; the callback
 * checked against that pending login (state, `iss`, error), its code exchanged in the owner's exclusive section, and a
 * login as another user flagged (`user_changed`); a silent `prompt=none` login run in a page's hidden iframe; and the
 * RP-initiated logout POSTed by the owner itself before any tab hears of it, so that no page ever receives the ID token.
 */
import { authorizationRequest, callbackState, checkAuthorizationResponse, checkIdToken, tokenRequest } from './oidc.js'
import { tokenSetFromResponse } from './token-set.js'
import { errorText } from './errors.js'
import { SILENT_LOGIN_TIMEOUT_MS } from './silent-login.js'

/** Pending logins older than this are forgotten (Keycloak's own login timeout is 30 min; MFA may take a while). */
const PENDING_LOGIN_MAX_AGE_MS = 60 * 60_000
/** How long the owner waits for a page to run a silent login: the page's own iframe timeout, and time to answer. */
export const SILENT_LOGIN_WAIT_MS = SILENT_LOGIN_TIMEOUT_MS + 2000

/**
 * @typedef {object} LoginFlowDeps
 * @property {import('./owner.js').TokenOwner} owner
 * @property {typeof fetch} fetch
 * @property {() => import('./idb.js').KeyValueStore} pendingLogins
 * @property {string} origin the app's origin (redirect URIs)
 * @property {import('./refresh-machine.js').Clock} clock
 * @property {import('./owner-ports.js').OwnerPorts} ports
 */

export class LoginFlow {
  #deps
  /** @type {Map<string, (result: { error?: string }) => void>} silent logins waiting for their page */
  #silentWaiters = new Map()

  /** @param {LoginFlowDeps} deps */
  constructor (deps) {
    this.#deps = deps
  }

  #config () { return /** @type {import('./owner-config.js').OwnerConfig} */ (this.#deps.owner.config) }

  /**
   * A new authorization request; its pending login (PKCE verifier, state, nonce) is stored under its state.
   * @param {{ prompt: string|null, silent: boolean, redirectUri: string|null, returnTo: string }} request
   */
  async begin (request) {
    const { owner } = this.#deps
    const config = this.#config()
    const metadata = await owner.ensureMetadata()
    const redirectUri = request.redirectUri ?? (request.silent ? `${this.#deps.origin}/silent-callback.html` : `${this.#deps.origin}/`)
    const key = config.dpop ? await owner.dpopKey() : null
    const login = await authorizationRequest(metadata, {
      clientId: config.clientId, redirectUri, scope: config.scope, prompt: request.prompt, returnTo: request.returnTo,
      silent: request.silent, dpopJkt: key?.thumbprint ?? null, now: this.#deps.clock.wall()
    })
    const now = this.#deps.clock.wall()
    const store = this.#deps.pendingLogins()
    await store.deleteWhere((value) => !(Math.abs(now - Number(value?.createdAt)) < PENDING_LOGIN_MAX_AGE_MS))
    await store.put(login.pending.state, login.pending)
    return login
  }

  /**
   * A page's `begin-login` request: the URL to send the browser (or an iframe) to.
   * @param {any} message
   */
  async beginFor (message) {
    const { url } = await this.begin({
      prompt: typeof message.prompt === 'string' ? message.prompt : null,
      silent: message.silent === true,
      redirectUri: typeof message.redirectUri === 'string' ? message.redirectUri : null,
      returnTo: typeof message.returnTo === 'string' ? message.returnTo : '/'
    })
    return { url }
  }

  /**
   * An authorization response (a page's URL or an iframe's). Only a state we stored makes it a callback; another user's
   * tokens end the first user's session in every tab (`user_changed`) before they are installed.
   * @param {string} href
   */
  async callback (href) {
    const { owner } = this.#deps
    const pending = await this.#takePending(href)
    if (pending == null) return { handled: false }
    const silentWaiter = this.#silentWaiters.has(pending.state)
    try {
      await owner.inExclusive(async () => {
        owner.log('login', pending.silent ? 'Silent login: exchanging the code' : 'Exchanging the authorization code for tokens')
        owner.counters.codeExchanges++
        this.#deps.ports.broadcast('token-request', { grantType: 'authorization_code', attempt: 0, counters: { ...owner.counters } })
        const next = await this.#exchange(href, pending)
        const previous = owner.tokens
        if (previous?.subject != null && next.subject !== previous.subject) {
          owner.endSession('user_changed', pending.silent ? 'another user logged in to Keycloak' : 'you logged in as another user')
          if (pending.silent) throw new Error('another user logged in to Keycloak')
        }
        next.version = owner.nextVersion()
        owner.install(next, pending.silent && previous != null ? 'recovery' : 'login')
      })
      this.settleSilent(pending.state, {})
      return { handled: true, loggedIn: true, returnTo: pending.returnTo }
    } catch (err) {
      const error = err instanceof Error && 'error' in err ? String(err.error) : 'login_error'
      this.settleSilent(pending.state, { error })
      if (!silentWaiter) owner.loginFailed(error === 'login_required' ? 'silent_login_failed' : 'login_error', error === 'login_required' ? error : errorText(err))
      return { handled: true, loggedIn: false, returnTo: pending.returnTo, error, message: errorText(err) }
    }
  }

  /**
   * An answer the silent-callback page hands over directly (frame-callback.js): its code never reached a page. Only a
   * state this owner has pending is taken; any other code (another script's own login) is dropped unused.
   * @param {string} href
   */
  async frameCallback (href) {
    const result = await this.callback(href)
    return { handled: result.handled, loggedIn: result.loggedIn === true, error: result.error ?? null, message: result.message ?? null }
  }

  /** Ends the Keycloak session first (the owner POSTs it; the ID token never leaves the owner), then tells every tab. */
  logout () {
    const { owner } = this.#deps
    return owner.inExclusive(async () => {
      const endSessionSent = await this.#endSession(owner.tokens?.idToken ?? null)
      owner.endSession('logged_out', endSessionSent ? 'You logged out.' : 'You logged out here; Keycloak could not be reached to end its session.')
      await owner.forgetDpopKey()
      return { endSessionSent }
    })
  }

  /**
   * The pending login an authorization response belongs to, taken (used once), or null when it is none of ours.
   * @param {string} href
   * @returns {Promise<import('./oidc.js').PendingLogin|null>}
   */
  async #takePending (href) {
    const state = callbackState(href)
    if (state == null) return null
    return (await this.#deps.pendingLogins().take(state)) ?? null
  }

  /**
   * Checks the authorization response and exchanges its code (PKCE) for a token set (its version set by the caller).
   * @param {string} href
   * @param {import('./oidc.js').PendingLogin} pending
   * @returns {Promise<import('./token-set.js').TokenSet>}
   */
  async #exchange (href, pending) {
    const config = this.#config()
    const metadata = await this.#deps.owner.ensureMetadata()
    const code = checkAuthorizationResponse(href, pending, metadata)
    const sentAt = { mono: this.#deps.clock.monotonic(), wall: this.#deps.clock.wall() }
    const answer = await tokenRequest(metadata.token_endpoint, {
      grant_type: 'authorization_code', code, client_id: config.clientId, code_verifier: pending.codeVerifier, redirect_uri: pending.redirectUri
    }, { fetch: this.#deps.fetch, signal: AbortSignal.timeout(config.requestTimeoutMs), dpopProof: await this.#deps.owner.dpopProof('POST', metadata.token_endpoint) })
    if (answer.status !== 200 || typeof answer.body?.access_token !== 'string') {
      throw new Error(`code exchange answered ${answer.status == null ? errorText(answer.error) : `HTTP ${answer.status}`} ${answer.body?.error ?? ''}`.trim())
    }
    const tokens = tokenSetFromResponse(answer.body, sentAt.wall, 0, null, sentAt.mono)
    checkIdToken(tokens.idToken, { issuer: config.issuer, clientId: config.clientId, nonce: pending.nonce, required: true })
    return tokens
  }

  /**
   * Runs a silent login in a page's hidden iframe; resolves when its callback was handled, or with the error.
   * @param {{ postMessage(message: any): void }} port
   * @returns {Promise<{ error?: string }>}
   */
  async runSilent (port) {
    const { url, pending } = await this.begin({ prompt: 'none', silent: true, redirectUri: null, returnTo: '/' })
    try {
      return await new Promise((resolve) => {
        const timer = setTimeout(() => resolve({ error: 'timeout' }), SILENT_LOGIN_WAIT_MS)
        this.#silentWaiters.set(pending.state, (result) => { clearTimeout(timer); resolve(result) })
        port.postMessage({ event: 'run-silent-login', detail: { url, state: pending.state } })
      })
    } finally {
      this.#silentWaiters.delete(pending.state)
    }
  }

  /**
   * Tells a waiting silent login how its callback went.
   * @param {string} state
   * @param {{ error?: string }} result
   */
  settleSilent (state, result) {
    this.#silentWaiters.get(state)?.(result)
  }

  /**
   * RP-initiated logout, POSTed by the owner: the ID token goes only to Keycloak, as `id_token_hint` in the body. Without
   * cookies (`credentials: 'omit'`) Keycloak ends exactly the session the hint names (a back-channel logout of it), so no
   * confirmation page is needed and a blocked third-party cookie does not matter. The answer is opaque (`no-cors`): only
   * a network failure is seen.
   * @param {string|null} idToken
   * @returns {Promise<boolean>} whether the request reached Keycloak
   */
  async #endSession (idToken) {
    const config = this.#config()
    const metadata = await this.#deps.owner.ensureMetadata()
    if (metadata.end_session_endpoint == null) return false
    /** @type {Record<string, string>} */
    const form = { client_id: config.clientId }
    if (idToken) form.id_token_hint = idToken
    try {
      await this.#deps.fetch(metadata.end_session_endpoint, {
        method: 'POST', mode: 'no-cors', credentials: 'omit', cache: 'no-store',
        body: new URLSearchParams(form), signal: AbortSignal.timeout(config.requestTimeoutMs)
      })
      return true
    } catch {
      return false
    }
  }
}
