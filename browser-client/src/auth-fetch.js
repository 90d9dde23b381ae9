// @ts-check
/**
 * @file `fetch` with the access token attached at send time, for the configured origins only (default: this page's).
 * After a 401 `invalid_token` it asks the owner once (which refreshes at most once per token for that reason) and re-sends
 * the request exactly once; the second answer is returned whatever it is. With DPoP the header is `Authorization: DPoP`
 * plus a fresh `DPoP` proof per request (RFC 9449 §7), signed by the owner.
 */
import { isDpopNonceChallenge, isInvalidTokenChallenge } from './www-authenticate.js'

/**
 * @typedef {import('./token-set.js').AccessTokenView} AccessTokenView
 * @typedef {object} AuthFetchDeps
 * @property {() => Promise<AccessTokenView|null>} token the current token, refreshed when needed; null while logged out
 * @property {(view: AccessTokenView, accepted: boolean) => Promise<AccessTokenView|null>} rejected after a 401 invalid_token
 *   (`accepted`: this page has had another answer with that token before); null: do not retry
 * @property {(view: AccessTokenView) => void} [accepted] the API answered this token with something other than 401, for the
 *   first time in this page (the owner learns that a token a 401-refresh produced has worked, whichever tab saw it)
 * @property {(view: AccessTokenView, htm: string, htu: string, nonce: string|null) => Promise<string|null>} proof DPoP proof
 * @property {(url: URL) => boolean} isAllowed whether this URL may receive the token
 * @property {typeof fetch} fetch
 * @property {(response: Response) => void} [onRetried]
 */

/**
 * What a page's fetch asks of the token owner over the page's link: a token after a 401 (null: the owner refuses to
 * refresh for it again), a token's first success, a DPoP proof.
 * @param {{ call(type: string, payload?: Record<string, unknown>): Promise<any> }} link
 * @returns {Pick<AuthFetchDeps, 'rejected'|'accepted'|'proof'>}
 */
export function ownerRequests (link) {
  return {
    rejected: async (view, accepted) => {
      try {
        return await link.call('rejected', { version: view.version, accepted })
      } catch (err) {
        if (/** @type {any} */ (err)?.code === 'token_rejected') return null
        throw err
      }
    },
    accepted: (view) => { link.call('accepted', { version: view.version, owner: view.owner }).catch(() => {}) },
    proof: async (view, htm, htu, nonce) => (await link.call('proof', { version: view.version, htm, htu, nonce })).proof
  }
}

/**
 * @param {AuthFetchDeps} deps
 * @returns {(input: RequestInfo|URL, init?: RequestInit) => Promise<Response>}
 */
export function createAuthFetch (deps) {
  /** @type {string[]} tokens (owner and version) the API has answered with something other than 401, newest last */
  const accepted = []
  /** @param {AccessTokenView} view */
  const keyOf = (view) => `${view.owner}:${view.version}`
  /**
   * Remembers that the API took `view` (any answer but 401): a later 401 on it is an expiry the API sees first, not a
   * token the API rejects outright. The retry after a 401 counts too: it may be the only success a token ever had.
   * @param {AccessTokenView} view
   * @param {Response} response
   */
  const noteAnswer = (view, response) => {
    if (response.status === 401 || accepted.includes(keyOf(view))) return
    accepted.push(keyOf(view))
    if (accepted.length > 8) accepted.shift()
    deps.accepted?.(view)
  }
  return async function authFetch (input, init) {
    const request = new Request(input, init)
    if (!deps.isAllowed(new URL(request.url))) return deps.fetch(request)
    const first = await deps.token()
    if (first == null) return deps.fetch(request)
    const spare = request.clone()
    let response = await send(deps, request, first, null)
    if (isDpopNonceChallenge(response)) {
      response = await send(deps, spare.clone(), first, response.headers.get('DPoP-Nonce'))
    }
    if (!isInvalidTokenChallenge(response)) {
      noteAnswer(first, response)
      return response
    }
    const next = await deps.rejected(first, accepted.includes(keyOf(first)))
    if (next == null) return response
    response.body?.cancel().catch(() => {})
    const retried = await send(deps, spare, next, null)
    noteAnswer(next, retried)
    deps.onRetried?.(retried)
    return retried
  }
}

/**
 * @param {AuthFetchDeps} deps
 * @param {Request} request
 * @param {AccessTokenView} view
 * @param {string|null} nonce
 */
async function send (deps, request, view, nonce) {
  const headers = new Headers(request.headers)
  headers.set('Authorization', `${view.tokenType} ${view.accessToken}`)
  if (view.tokenType === 'DPoP') {
    const proof = await deps.proof(view, request.method, request.url, nonce)
    if (proof) headers.set('DPoP', proof)
  }
  return deps.fetch(new Request(request, { headers }))
}

/**
 * @param {string[]} allowedOrigins e.g. `['https://api.example.com']`; empty means this page's origin only
 * @param {string} pageOrigin
 * @returns {(url: URL) => boolean}
 */
export function originAllowList (allowedOrigins, pageOrigin) {
  const origins = new Set((allowedOrigins.length > 0 ? allowedOrigins : [pageOrigin]).map((o) => new URL(o).origin))
  return (url) => origins.has(url.origin)
}
