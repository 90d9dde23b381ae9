// A fake Keycloak token endpoint with the refresh-token-rotation executor's rules: a refresh token is single-use; for the
// grace window after a rotation only the token that rotation consumed may come again (it gets a sibling); any other old
// token, or that one after the window, is reuse and revokes the family. Time is the server's own (`now()`), never the
// client's clock. Faults are queued per request: the answer lost after processing, a request that never arrives, the
// executor's own 503, a plain 503/500, a hang until the client aborts.
import { base64UrlEncode } from '../../src/jwt.js'

export const ISSUER = 'https://kc.test/realms/demo'
export const CLIENT_ID = 'demo-spa'
export const TOKEN_ENDPOINT = `${ISSUER}/protocol/openid-connect/token`
export const END_SESSION_ENDPOINT = `${ISSUER}/protocol/openid-connect/logout`

/** @param {Record<string, unknown>} payload */
export function jwt (payload) {
  return `e30.${base64UrlEncode(new TextEncoder().encode(JSON.stringify(payload)))}.sig`
}

/**
 * @typedef {'lose-answer'|'not-sent'|'hang'|'hang-then-lose'|'503-executor'|'503-plain'|'500'|'429'|'200-garbage'} Fault
 */

export class FakeKeycloak {
  /** @param {{ now: () => number, graceSeconds?: number, accessSeconds?: number, user?: string }} options */
  constructor ({ now, graceSeconds = 10, accessSeconds = 60, user = 'alice' }) {
    this.now = now
    this.graceMs = graceSeconds * 1000
    this.accessSeconds = accessSeconds
    this.user = user
    /** @type {Map<string, { newest: string, consumed: string|null, consumedAt: number, revoked: boolean, gen: number }>} */
    this.families = new Map()
    /** @type {Map<string, { nonce: string, user: string }>} */
    this.codes = new Map()
    /** @type {Fault[]} */
    this.faults = []
    /** every refresh token presented, in order */
    this.presented = /** @type {string[]} */ ([])
    this.reuses = 0
    this.rotations = 0
    this.siblings = 0
    this.codeExchanges = 0
    /** @type {{ url: string, body: URLSearchParams|null, method: string, mode?: string }[]} */
    this.requests = []
    this.loggedOut = /** @type {string[]} */ ([])
    this.nextFamily = 1
    /** 503/500/429 faults are answered after the rotation was done (a proxy that timed out), not before */
    this.processFaults = false
    /** the consumed token of a family gets a sibling at any time (bound-token-retry) */
    this.boundTokenRetry = false
    /** server time of every refresh request */
    this.sentAt = /** @type {number[]} */ ([])
  }

  /** Registers the code Keycloak would issue for a login with this nonce. */
  issueCode (nonce, user = this.user) {
    const code = `code-${this.codes.size + 1}`
    this.codes.set(code, { nonce, user })
    return code
  }

  /** The SSO session ended (a logout in another tab with its own family): every family of it is over. */
  endSsoSession () {
    for (const family of this.families.values()) family.revoked = true
  }

  /** @param {Fault} fault the next token request meets this fault */
  fail (...faults) { this.faults.push(...faults) }

  /** The fetch the owner gets. */
  fetch = async (/** @type {any} */ input, /** @type {any} */ init = {}) => {
    // an aborted request never leaves the browser
    if (init.signal?.aborted) throw init.signal.reason ?? new DOMException('aborted', 'AbortError')
    const url = String(input)
    const body = init.body instanceof URLSearchParams ? init.body : null
    this.requests.push({ url, body, method: init.method ?? 'GET', mode: init.mode })
    if (url === `${ISSUER}/.well-known/openid-configuration`) {
      return json(200, {
        issuer: ISSUER,
        authorization_endpoint: `${ISSUER}/protocol/openid-connect/auth`,
        token_endpoint: TOKEN_ENDPOINT,
        end_session_endpoint: END_SESSION_ENDPOINT,
        authorization_response_iss_parameter_supported: true
      })
    }
    if (url === END_SESSION_ENDPOINT) {
      this.loggedOut.push(body?.get('id_token_hint') ?? '')
      return new Response('logged out', { status: 200 })
    }
    if (url !== TOKEN_ENDPOINT || body == null) return json(404, { error: 'not_found' })
    const fault = body.get('grant_type') === 'refresh_token' ? this.faults.shift() : undefined
    if (fault === 'not-sent') throw new TypeError('Failed to fetch')
    if (body.get('grant_type') === 'refresh_token') this.sentAt.push(this.now())
    if (this.processFaults && (fault === '503-plain' || fault === '500' || fault === '429')) this.#token(body)
    if (fault === '503-executor') {
      return json(503, { error: 'temporarily_unavailable', error_description: 'busy', refresh_token_consumed: false }, { 'Retry-After': '2' })
    }
    if (fault === '503-plain') return json(503, { error: 'temporarily_unavailable' })
    if (fault === '500') return json(500, { error: 'unknown_error' })
    if (fault === '429') return json(429, { error: 'slow_down' })
    const answer = this.#token(body)
    if (fault === 'lose-answer') throw new TypeError('Failed to fetch')
    if (fault === '200-garbage') return new Response('<html>proxy</html>', { status: 200 })
    if (fault === 'hang' || fault === 'hang-then-lose') {
      return new Promise((resolve, reject) => {
        const signal = init.signal
        if (signal == null) return
        const onAbort = () => reject(signal.reason ?? new DOMException('aborted', 'AbortError'))
        if (signal.aborted) onAbort()
        else signal.addEventListener('abort', onAbort, { once: true })
      })
    }
    return answer
  }

  /** @param {URLSearchParams} body */
  #token (body) {
    if (body.get('client_id') !== CLIENT_ID) return json(401, { error: 'invalid_client' })
    if (body.get('grant_type') === 'authorization_code') {
      const login = this.codes.get(String(body.get('code')))
      if (login == null) return json(400, { error: 'invalid_grant', error_description: 'Code not valid' })
      this.codes.delete(String(body.get('code')))
      this.codeExchanges++
      const family = `f${this.nextFamily++}`
      const refresh = this.#refreshToken(family, 0, login.user)
      this.families.set(family, { newest: refresh, consumed: null, consumedAt: 0, revoked: false, gen: 0 })
      return this.#tokens(refresh, login.user, login.nonce)
    }
    if (body.get('grant_type') !== 'refresh_token') return json(400, { error: 'unsupported_grant_type' })
    const presented = String(body.get('refresh_token'))
    this.presented.push(presented)
    const [, family, , user] = presented.split('.')[1] ? decode(presented) : []
    const state = this.families.get(family)
    if (state == null || state.revoked) return json(400, { error: 'invalid_grant', error_description: 'Token is not active' })
    if (presented === state.newest) {
      state.gen++
      state.consumed = presented
      state.consumedAt = this.now()
      state.newest = this.#refreshToken(family, state.gen, user)
      this.rotations++
      return this.#tokens(state.newest, user, null)
    }
    if (presented === state.consumed && (this.boundTokenRetry || this.now() - state.consumedAt <= this.graceMs)) {
      this.siblings++
      return this.#tokens(state.newest, user, null)
    }
    this.reuses++
    state.revoked = true
    return json(400, { error: 'invalid_grant', error_description: 'Refresh token reuse detected' })
  }

  #refreshToken (family, gen, user) {
    return jwt({ typ: 'Refresh', rtr_fam: family, rtr_gen: gen, sub: user, n: Math.random() })
  }

  #tokens (refresh, user, nonce) {
    const iat = Math.floor(this.now() / 1000)
    /** @type {Record<string, unknown>} */
    const id = { iss: ISSUER, aud: CLIENT_ID, azp: CLIENT_ID, sub: user, iat, exp: iat + this.accessSeconds }
    if (nonce != null) id.nonce = nonce
    return json(200, {
      access_token: jwt({ iss: ISSUER, sub: user, iat, exp: iat + this.accessSeconds, n: Math.random() }),
      token_type: 'Bearer',
      expires_in: this.accessSeconds,
      refresh_token: refresh,
      refresh_expires_in: 1800,
      id_token: jwt(id)
    })
  }
}

/** @param {string} token @returns {[string, string, number, string]} */
function decode (token) {
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())
  return ['', claims.rtr_fam, claims.rtr_gen, claims.sub]
}

/** @param {number} status @param {unknown} body @param {Record<string, string>} [headers] */
function json (status, body, headers = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } })
}
