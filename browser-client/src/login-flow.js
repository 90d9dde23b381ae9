// @ts-check
/**
 * @file The login flow's protocol steps for the token owner: a new authorization request with its pending login stored,
 * the callback checked against that pending login (state, `iss`, error) and its code exchanged, a silent `prompt=none`
 * login run in a page's hidden iframe, and RP-initiated logout POSTed by the owner itself, so that no page ever receives
 * the ID token. State (which token set is installed) stays with the owner (owner.js).
 */
import { authorizationRequest, callbackState, checkAuthorizationResponse, checkIdToken, tokenRequest } from './oidc.js'
import { tokenSetFromResponse } from './token-set.js'
import { errorText } from './errors.js'

/** Pending logins older than this are forgotten (Keycloak's own login timeout is 30 min; MFA may take a while). */
const PENDING_LOGIN_MAX_AGE_MS = 60 * 60_000
/** How long the owner waits for a page to run a silent login in an iframe (the page's own iframe timeout is shorter). */
export const SILENT_LOGIN_WAIT_MS = 10_000

/**
 * @typedef {object} LoginFlowDeps
 * @property {() => import('./owner.js').OwnerConfig} config
 * @property {() => Promise<import('./oidc.js').ProviderMetadata>} metadata
 * @property {() => Promise<import('./dpop.js').DpopKey|null>} dpopKey null without DPoP
 * @property {(htm: string, htu: string) => Promise<string|null>} dpopProof
 * @property {typeof fetch} fetch
 * @property {import('./idb.js').KeyValueStore} pendingLogins
 * @property {string} origin the app's origin (redirect URIs)
 * @property {import('./refresh-machine.js').Clock} clock
 */

export class LoginFlow {
  #deps
  /** @type {Map<string, (result: { error?: string }) => void>} silent logins waiting for their page */
  #silentWaiters = new Map()

  /** @param {LoginFlowDeps} deps */
  constructor (deps) {
    this.#deps = deps
  }

  /**
   * A new authorization request; its pending login (PKCE verifier, state, nonce) is stored under its state.
   * @param {{ prompt: string|null, silent: boolean, redirectUri: string|null, returnTo: string }} request
   */
  async begin (request) {
    const config = this.#deps.config()
    const metadata = await this.#deps.metadata()
    const redirectUri = request.redirectUri ?? (request.silent ? `${this.#deps.origin}/silent-callback.html` : `${this.#deps.origin}/`)
    const key = await this.#deps.dpopKey()
    const login = await authorizationRequest(metadata, {
      clientId: config.clientId, redirectUri, scope: config.scope, prompt: request.prompt, returnTo: request.returnTo,
      silent: request.silent, dpopJkt: key?.thumbprint ?? null, now: this.#deps.clock.wall()
    })
    const now = this.#deps.clock.wall()
    await this.#deps.pendingLogins.deleteWhere((value) => !(Math.abs(now - Number(value?.createdAt)) < PENDING_LOGIN_MAX_AGE_MS))
    await this.#deps.pendingLogins.put(login.pending.state, login.pending)
    return login
  }

  /**
   * The pending login an authorization response belongs to, taken (used once), or null when it is none of ours.
   * @param {string} href
   * @returns {Promise<import('./oidc.js').PendingLogin|null>}
   */
  async takePending (href) {
    const state = callbackState(href)
    if (state == null) return null
    return (await this.#deps.pendingLogins.take(state)) ?? null
  }

  /**
   * Checks the authorization response and exchanges its code (PKCE) for a token set of `version`.
   * @param {string} href
   * @param {import('./oidc.js').PendingLogin} pending
   * @param {number} version
   * @returns {Promise<import('./token-set.js').TokenSet>}
   */
  async exchange (href, pending, version) {
    const config = this.#deps.config()
    const metadata = await this.#deps.metadata()
    const code = checkAuthorizationResponse(href, pending, metadata)
    const sentAt = { mono: this.#deps.clock.monotonic(), wall: this.#deps.clock.wall() }
    const answer = await tokenRequest(metadata.token_endpoint, {
      grant_type: 'authorization_code', code, client_id: config.clientId, code_verifier: pending.codeVerifier, redirect_uri: pending.redirectUri
    }, { fetch: this.#deps.fetch, signal: AbortSignal.timeout(config.requestTimeoutMs), dpopProof: await this.#deps.dpopProof('POST', metadata.token_endpoint) })
    if (answer.status !== 200 || typeof answer.body?.access_token !== 'string') {
      throw new Error(`code exchange answered ${answer.status == null ? errorText(answer.error) : `HTTP ${answer.status}`} ${answer.body?.error ?? ''}`.trim())
    }
    const tokens = tokenSetFromResponse(answer.body, sentAt.wall, version, null, sentAt.mono)
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

  /** @param {string} state */
  isSilentPending (state) { return this.#silentWaiters.has(state) }

  /**
   * RP-initiated logout, POSTed by the owner: the ID token goes only to Keycloak, as `id_token_hint` in the body. Without
   * cookies (`credentials: 'omit'`) Keycloak ends exactly the session the hint names (a back-channel logout of it), so no
   * confirmation page is needed and a blocked third-party cookie does not matter. The answer is opaque (`no-cors`): only
   * a network failure is seen.
   * @param {string|null} idToken
   * @returns {Promise<boolean>} whether the request reached Keycloak
   */
  async endSession (idToken) {
    const config = this.#deps.config()
    const metadata = await this.#deps.metadata()
    if (metadata.end_session_endpoint == null) return false
    /** @type {Record<string, string>} */
    const form = { client_id: config.clientId }
    if (idToken) form.id_token_hint = idToken
    try {
      await this.#deps.fetch(metadata.end_session_endpoint, {
        method: 'POST', mode: 'no-cors', credentials: 'omit', cache: 'no-store', redirect: 'manual',
        body: new URLSearchParams(form), signal: AbortSignal.timeout(config.requestTimeoutMs)
      })
      return true
    } catch {
      return false
    }
  }
}
