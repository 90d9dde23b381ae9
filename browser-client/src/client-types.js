// @ts-check
/**
 * @file The options and events of {@link import('./client.js').SilentRefreshClient}, as types.
 */

/**
 * @typedef {object} SilentRefreshOptions
 * @property {string} issuer e.g. `http://localhost:8080/realms/demo`; endpoints come from its discovery document
 * @property {string} clientId public client (authorization code + PKCE S256)
 * @property {string} [redirectUri] default `location.origin + '/'`
 * @property {string} [scope] default `'openid profile email'`
 * @property {number} [graceSeconds] the server's grace window for retried refreshes (refresh-token-rotation's
 *   `grace-period-seconds`); 0 disables retries with the same token
 * @property {number} [refreshLeadSeconds] proactive refresh this long before expiry (at most a third of the lifetime); default 15
 * @property {boolean} [proactiveRefresh] false: refresh only when a call needs it
 * @property {boolean} [dpop] bind tokens to a non-extractable DPoP key (the client must allow DPoP in Keycloak)
 * @property {boolean} [boundTokenRetry] with `dpop`: the server's executor has `bound-token-retry` on, so an unanswered refresh
 *   is retried with back-off until an answer instead of being given up after the grace window
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
 * @property {{ reason: string }} owner-restarted
 * @property {{ time: number, kind: string, message: string, tabId: string }} log
 * @property {{ grantType: 'refresh_token'|'authorization_code', attempt: number, counters: { refreshRequests: number, codeExchanges: number } }} token-request
 * @property {{}} retry
 */

export {}
