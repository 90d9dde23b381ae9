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
export function discover(issuer: string, fetchImpl: typeof fetch, signal?: AbortSignal): Promise<ProviderMetadata>;
/**
 * A new pending login and the authorization URL that starts it.
 * @param {ProviderMetadata} metadata
 * @param {{ clientId: string, redirectUri: string, scope: string, prompt?: string|null, returnTo: string, silent: boolean, dpopJkt?: string|null, now?: number }} request
 * @returns {Promise<{ url: string, pending: PendingLogin }>}
 */
export function authorizationRequest(metadata: ProviderMetadata, request: {
    clientId: string;
    redirectUri: string;
    scope: string;
    prompt?: string | null;
    returnTo: string;
    silent: boolean;
    dpopJkt?: string | null;
    now?: number;
}): Promise<{
    url: string;
    pending: PendingLogin;
}>;
/**
 * The `state` of a URL that may be an authorization response, or null. Only a state we stored makes it a callback.
 * @param {string} href
 */
export function callbackState(href: string): string | null;
/**
 * Checks an authorization response against its pending login: `iss` must be present and be the issuer (RFC 9207; Keycloak
 * always sends it), `state` must match. Returns the code, or throws with the error Keycloak sent (e.g. `login_required`).
 * @param {string} href
 * @param {PendingLogin} pending
 * @param {ProviderMetadata} metadata
 * @returns {string} the authorization code
 */
export function checkAuthorizationResponse(href: string, pending: PendingLogin, metadata: ProviderMetadata): string;
/**
 * Checks the ID token of a login (`iss`, `aud`, `azp`, `nonce`) or of a refresh (the same, and the same `sub` as before,
 * OpenID Connect Core §12.2). Time claims are NOT compared with the local clock, which may be minutes off: the token comes
 * straight from the token endpoint in answer to our own request, so it is as fresh as that answer; only its own
 * consistency (`exp` after `iat`, both on the server's clock) is checked. Rejecting a good answer because of a wrong local
 * clock would throw away tokens for which the refresh token was already spent.
 * @param {string|null} idToken
 * @param {{ issuer: string, clientId: string, nonce?: string, subject?: string|null, required: boolean }} expected
 */
export function checkIdToken(idToken: string | null, expected: {
    issuer: string;
    clientId: string;
    nonce?: string;
    subject?: string | null;
    required: boolean;
}): void;
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
export function tokenRequest(tokenEndpoint: string, params: Record<string, string>, options: {
    fetch: typeof fetch;
    signal: AbortSignal;
    dpopProof?: string | null;
}): Promise<TokenEndpointAnswer>;
/**
 * PKCE `code_challenge` for `code_challenge_method=S256`: BASE64URL(SHA-256(ASCII(verifier))).
 * @param {string} verifier 43–128 characters of [A-Za-z0-9-._~]
 */
export function pkceChallengeS256(verifier: string): Promise<string>;
/** An error answer of the authorization endpoint (`login_required`, `access_denied`, …) or a response that fails a check. */
export class AuthorizationError extends Error {
    /**
     * @param {string} error
     * @param {string} message
     */
    constructor(error: string, message: string);
    error: string;
}
export type ProviderMetadata = {
    issuer: string;
    authorization_endpoint: string;
    token_endpoint: string;
    end_session_endpoint?: string | undefined;
    authorization_response_iss_parameter_supported?: boolean | undefined;
};
/**
 * A login that has been sent to Keycloak and waits for its callback; kept in IndexedDB under its `state`.
 */
export type PendingLogin = {
    state: string;
    nonce: string;
    codeVerifier: string;
    redirectUri: string;
    /**
     * same-origin path to restore after the callback
     */
    returnTo: string;
    /**
     * prompt=none
     */
    silent: boolean;
    /**
     * local epoch ms
     */
    createdAt: number;
};
/**
 * status null: no answer (network error, timeout abort).
 */
export type TokenEndpointAnswer = {
    status: number | null;
    body: any;
    retryAfter: string | null;
    dpopNonce: string | null;
    error: unknown;
};
