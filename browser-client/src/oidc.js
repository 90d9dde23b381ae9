// @ts-check
/**
 * @file The OpenID Connect protocol steps: discovery, authorization code + PKCE S256 (RFC 7636), the authorization response
 * with `state` and `iss` (RFC 9207), token requests, and the ID-token checks (OpenID Connect Core §3.1.3.7 and §12.2).
 *
 * ID tokens come straight from the token endpoint in answer to our own PKCE-bound request (over TLS in any real
 * deployment), which §3.1.3.7 accepts in place of a signature check; their claims are checked here.
 */
import { base64UrlEncode, decodeJwtPayload, randomUrlSafe } from './jwt.js'

/**
 * @typedef {object} ProviderMetadata
 * @property {string} issuer
 * @property {string} authorization_endpoint
 * @property {string} token_endpoint
 * @property {string} [end_session_endpoint]
 * @property {boolean} [authorization_response_iss_parameter_supported]
 */

/**
 * A login that has been sent to Keycloak and waits for its callback; kept in IndexedDB under its `state`.
 * @typedef {object} PendingLogin
 * @property {string} state
 * @property {string} nonce
 * @property {string} codeVerifier
 * @property {string} redirectUri
 * @property {string} returnTo same-origin path to restore after the callback
 * @property {boolean} silent prompt=none
 * @property {number} createdAt local epoch ms
 */

/**
 * Fetches and checks `<issuer>/.well-known/openid-configuration`.
 * @param {string} issuer
 * @param {typeof fetch} fetchImpl
 * @param {AbortSignal} [signal]
 * @returns {Promise<ProviderMetadata>}
 */
export async function discover (issuer, fetchImpl, signal) {
  const response = await fetchImpl(`${issuer}/.well-known/openid-configuration`, {
    headers: { Accept: 'application/json' }, credentials: 'omit', cache: 'no-store', signal
  })
  if (!response.ok) throw new Error(`discovery answered HTTP ${response.status}`)
  const metadata = await response.json()
  if (metadata?.issuer !== issuer) throw new Error(`discovery names the issuer ${String(metadata?.issuer)}, not ${issuer}`)
  for (const name of ['authorization_endpoint', 'token_endpoint']) {
    if (typeof metadata[name] !== 'string') throw new Error(`discovery lacks ${name}`)
  }
  return metadata
}

/**
 * A new pending login and the authorization URL that starts it.
 * @param {ProviderMetadata} metadata
 * @param {{ clientId: string, redirectUri: string, scope: string, prompt?: string|null, returnTo: string, silent: boolean, dpopJkt?: string|null, now?: number }} request
 * @returns {Promise<{ url: string, pending: PendingLogin }>}
 */
export async function authorizationRequest (metadata, request) {
  /** @type {PendingLogin} */
  const pending = {
    state: randomUrlSafe(16),
    nonce: randomUrlSafe(16),
    codeVerifier: randomUrlSafe(32),
    redirectUri: request.redirectUri,
    returnTo: request.returnTo,
    silent: request.silent,
    createdAt: request.now ?? Date.now()
  }
  const url = new URL(metadata.authorization_endpoint)
  url.searchParams.set('client_id', request.clientId)
  url.searchParams.set('redirect_uri', request.redirectUri)
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('response_mode', 'query')
  url.searchParams.set('scope', request.scope)
  url.searchParams.set('state', pending.state)
  url.searchParams.set('nonce', pending.nonce)
  url.searchParams.set('code_challenge', await pkceChallengeS256(pending.codeVerifier))
  url.searchParams.set('code_challenge_method', 'S256')
  if (request.dpopJkt) url.searchParams.set('dpop_jkt', request.dpopJkt)
  if (request.prompt) url.searchParams.set('prompt', request.prompt)
  return { url: url.toString(), pending }
}

/**
 * The `state` of a URL that may be an authorization response, or null. Only a state we stored makes it a callback.
 * @param {string} href
 */
export function callbackState (href) {
  const params = new URL(href).searchParams
  const state = params.get('state')
  return state != null && (params.has('code') || params.has('error')) ? state : null
}

/**
 * Checks an authorization response against its pending login: `iss` must be present and be the issuer (RFC 9207; Keycloak
 * always sends it), `state` must match. Returns the code, or throws with the error Keycloak sent (e.g. `login_required`).
 * @param {string} href
 * @param {PendingLogin} pending
 * @param {ProviderMetadata} metadata
 * @returns {string} the authorization code
 */
export function checkAuthorizationResponse (href, pending, metadata) {
  const params = new URL(href).searchParams
  if (params.get('state') !== pending.state) throw new AuthorizationError('state_mismatch', 'the state does not match the login')
  const iss = params.get('iss')
  if (iss == null && metadata.authorization_response_iss_parameter_supported !== false) {
    throw new AuthorizationError('invalid_response', 'the authorization response has no iss parameter (RFC 9207)')
  }
  if (iss != null && iss !== metadata.issuer) throw new AuthorizationError('invalid_response', `unexpected issuer ${iss}`)
  const error = params.get('error')
  if (error != null) throw new AuthorizationError(error, params.get('error_description') ?? error)
  const code = params.get('code')
  if (!code) throw new AuthorizationError('invalid_response', 'the authorization response has no code')
  return code
}

/** An error answer of the authorization endpoint (`login_required`, `access_denied`, …) or a response that fails a check. */
export class AuthorizationError extends Error {
  /**
   * @param {string} error
   * @param {string} message
   */
  constructor (error, message) {
    super(message)
    this.name = 'AuthorizationError'
    this.error = error
  }
}

/**
 * Checks the ID token of a login (`iss`, `aud`, `azp`, `nonce`) or of a refresh (the same, and the same `sub` as before,
 * OpenID Connect Core §12.2). Time claims are NOT compared with the local clock, which may be minutes off: the token comes
 * straight from the token endpoint in answer to our own request, so it is as fresh as that answer; only its own
 * consistency (`exp` after `iat`, both on the server's clock) is checked. Rejecting a good answer because of a wrong local
 * clock would throw away tokens for which the refresh token was already spent.
 * @param {string|null} idToken
 * @param {{ issuer: string, clientId: string, nonce?: string, subject?: string|null, required: boolean }} expected
 */
export function checkIdToken (idToken, expected) {
  if (!idToken) {
    if (expected.required) throw new Error('the token response has no id_token (is the openid scope requested?)')
    return
  }
  const claims = decodeJwtPayload(idToken)
  if (claims.iss !== expected.issuer) throw new Error(`ID token issuer ${String(claims.iss)} is not ${expected.issuer}`)
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
  if (!aud.includes(expected.clientId)) throw new Error('ID token audience does not contain this client')
  if (claims.azp !== undefined && claims.azp !== expected.clientId) throw new Error('ID token azp is not this client')
  if (expected.nonce !== undefined && claims.nonce !== expected.nonce) throw new Error('ID token nonce does not match the login request')
  if (expected.subject != null && claims.sub !== expected.subject) throw new Error('ID token subject changed')
  if (typeof claims.exp !== 'number') throw new Error('ID token has no exp')
  if (typeof claims.iat === 'number' && claims.exp < claims.iat) throw new Error('ID token expires before it was issued')
}

/**
 * @typedef {{ status: number|null, body: any, retryAfter: string|null, dpopNonce: string|null, error: unknown }} TokenEndpointAnswer
 *   status null: no answer (network error, timeout abort).
 */

/**
 * POSTs a form to the token endpoint. Never rejects: a missing answer is `status: null` with the error.
 * @param {string} tokenEndpoint
 * @param {Record<string, string>} params
 * @param {{ fetch: typeof fetch, signal: AbortSignal, dpopProof?: string|null }} options
 * @returns {Promise<TokenEndpointAnswer>}
 */
export async function tokenRequest (tokenEndpoint, params, options) {
  /** @type {Record<string, string>} */
  const headers = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' }
  if (options.dpopProof) headers.DPoP = options.dpopProof
  try {
    const response = await options.fetch(tokenEndpoint, {
      method: 'POST', headers, body: new URLSearchParams(params), credentials: 'omit', cache: 'no-store', signal: options.signal
    })
    /** @type {any} */
    let body = null
    try {
      body = await response.json()
    } catch (err) {
      // a body cut off by the abort is no answer
      if (options.signal.aborted) return { status: null, body: null, retryAfter: null, dpopNonce: null, error: err }
    }
    return {
      status: response.status,
      body,
      retryAfter: response.headers.get('Retry-After'),
      dpopNonce: response.headers.get('DPoP-Nonce'),
      error: null
    }
  } catch (err) {
    return { status: null, body: null, retryAfter: null, dpopNonce: null, error: err }
  }
}

/**
 * PKCE `code_challenge` for `code_challenge_method=S256`: BASE64URL(SHA-256(ASCII(verifier))).
 * @param {string} verifier 43–128 characters of [A-Za-z0-9-._~]
 */
export async function pkceChallengeS256 (verifier) {
  if (typeof verifier !== 'string' || !/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) {
    throw new TypeError('PKCE verifier must be 43-128 characters of [A-Za-z0-9-._~]')
  }
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))
  return base64UrlEncode(new Uint8Array(digest))
}
