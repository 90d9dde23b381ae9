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
export function ownerRequests(link: {
    call(type: string, payload?: Record<string, unknown>): Promise<any>;
}): Pick<AuthFetchDeps, "rejected" | "accepted" | "proof">;
/**
 * @param {AuthFetchDeps} deps
 * @returns {(input: RequestInfo|URL, init?: RequestInit) => Promise<Response>}
 */
export function createAuthFetch(deps: AuthFetchDeps): (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
/**
 * @param {string[]} allowedOrigins e.g. `['https://api.example.com']`; empty means this page's origin only
 * @param {string} pageOrigin
 * @returns {(url: URL) => boolean}
 */
export function originAllowList(allowedOrigins: string[], pageOrigin: string): (url: URL) => boolean;
export type AccessTokenView = import("./token-set.js").AccessTokenView;
export type AuthFetchDeps = {
    /**
     * the current token, refreshed when needed; null while logged out
     */
    token: () => Promise<AccessTokenView | null>;
    /**
     * after a 401 invalid_token
     * (`accepted`: this page has had another answer with that token before); null: do not retry
     */
    rejected: (view: AccessTokenView, accepted: boolean) => Promise<AccessTokenView | null>;
    /**
     * the API answered this token with something other than 401, for the
     * first time in this page (the owner learns that a token a 401-refresh produced has worked, whichever tab saw it)
     */
    accepted?: ((view: AccessTokenView) => void) | undefined;
    /**
     * DPoP proof
     */
    proof: (view: AccessTokenView, htm: string, htu: string, nonce: string | null) => Promise<string | null>;
    /**
     * whether this URL may receive the token
     */
    isAllowed: (url: URL) => boolean;
    fetch: typeof fetch;
    onRetried?: ((response: Response) => void) | undefined;
};
