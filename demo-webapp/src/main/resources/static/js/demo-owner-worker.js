// @ts-check
/**
 * @file The demo's token-owner worker: the library's owner plus one demo-only request, `demo:replay`, for the "Replay an
 * old refresh token" button. It presents a refresh token two generations old (the previous one would still be inside the
 * grace window) from INSIDE the worker, so even here no refresh token ever reaches a page. Not for real apps.
 */
import { tokenRequest } from './silent-refresh/oidc.js'
import { serveTokenOwner } from './silent-refresh/owner.js'

/** @type {string[]} refresh tokens the owner has replaced, oldest first (the last few only) */
const retired = []
/** @type {string|null} */
let current = null

serveTokenOwner(globalThis, {
  hooks: {
    tokenSetInstalled (tokens) {
      if (current != null && current !== tokens.refreshToken) retired.push(current)
      if (retired.length > 3) retired.shift()
      current = tokens.refreshToken
    },
    handlers: {
      'demo:replay': async (_message, owner) => {
        const old = retired.length >= 2 ? retired[retired.length - 2] : null
        const tokenEndpoint = owner.metadata?.token_endpoint
        if (old == null || tokenEndpoint == null) return { replayed: false }
        const answer = await tokenRequest(tokenEndpoint, { grant_type: 'refresh_token', refresh_token: old, client_id: String(owner.config?.clientId) },
          { fetch: globalThis.fetch.bind(globalThis), signal: AbortSignal.timeout(10_000), dpopProof: await owner.dpopProof('POST', tokenEndpoint) })
        return { replayed: true, status: answer.status, error: answer.body?.error ?? null, errorDescription: answer.body?.error_description ?? null }
      }
    }
  }
})
