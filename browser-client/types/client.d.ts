/**
 * @typedef {object} SilentRefreshOptions
 * @property {string} issuer e.g. `http://localhost:8080/realms/demo`; endpoints come from its discovery document
 * @property {string} clientId public client (authorization code + PKCE S256)
 * @property {string} [redirectUri] default `location.origin + '/'`
 * @property {string} [postLogoutRedirectUri] default `redirectUri`
 * @property {string} [scope] default `'openid profile email'`
 * @property {number} [graceSeconds] the server's grace window for retried refreshes (refresh-token-rotation's
 *   `grace-period-seconds`); 0 disables retries with the same token
 * @property {number} [refreshLeadSeconds] proactive refresh this long before expiry (at most a third of the lifetime); default 15
 * @property {boolean} [proactiveRefresh] false: refresh only when a call needs it
 * @property {boolean} [dpop] bind tokens to a non-extractable DPoP key (the client must allow DPoP in Keycloak)
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
 * @property {{ time: number, kind: string, message: string, tabId: string }} log
 * @property {{ grantType: 'refresh_token'|'authorization_code', attempt: number, counters: { refreshRequests: number, codeExchanges: number } }} token-request
 * @property {{}} retry
 */
export class SilentRefreshClient extends EventTarget {
    /** @param {SilentRefreshOptions} options */
    constructor(options: SilentRefreshOptions);
    /** True while the owner holds a session. */
    get authenticated(): boolean;
    /** 'shared' (one owner for the browser) or 'dedicated' (one per tab), once connected. */
    get mode(): "shared" | "dedicated" | null;
    /** A short random id of this page, for logs. */
    get tabId(): string;
    get issuer(): string;
    /** Why there is no session (null while logged in or before anything happened). */
    get reason(): {
        code: string;
        message: string;
    } | null;
    /** Token-endpoint requests the owner has made (the whole browser in shared mode, this tab in dedicated mode). */
    get counters(): {
        refreshRequests: number;
        codeExchanges: number;
    };
    get accessTokenExpiresAt(): number | null;
    get refreshTokenExpiresAt(): number | null;
    /** Decoded access-token payload, for display only. */
    get accessTokenClaims(): Record<string, any> | null;
    /** Decoded ID-token payload, for display only. */
    get idTokenClaims(): Record<string, any> | null;
    /** `{ generation, family }` of the refresh token the owner holds, or null. */
    get refreshTokenInfo(): {
        generation: number | null;
        family: string | null;
    } | null;
    /** 'Bearer' or 'DPoP'. */
    get tokenType(): "Bearer" | "DPoP" | null;
    /**
     * Connects to the owner, handles a login callback in the URL (only one whose `state` this browser stored), and otherwise
     * logs in silently from the Keycloak SSO session when this browser had a session before. Resolves true when logged in.
     * @returns {Promise<boolean>}
     */
    init(): Promise<boolean>;
    /**
     * Redirects to Keycloak's login page.
     * @param {{ prompt?: string }} [options]
     */
    login(options?: {
        prompt?: string;
    }): Promise<void>;
    /**
     * Ends the session everywhere: the owner forgets the tokens and tells every tab, then this page POSTs an RP-initiated
     * logout to Keycloak (the ID token as `id_token_hint` in the form body, not in a URL), which ends the SSO session.
     */
    logout(): Promise<void>;
    /**
     * An access token valid for at least `minValidity` seconds (refreshed first when needed), like keycloak-js's updateToken.
     * @param {{ minValidity?: number }} [options]
     * @returns {Promise<string>}
     */
    getAccessToken(options?: {
        minValidity?: number;
    }): Promise<string>;
    /**
     * `fetch()` with the access token attached (allowed origins only), one refresh and one retry after a 401 invalid_token.
     * @param {RequestInfo|URL} input
     * @param {RequestInit} [init]
     */
    fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
    /**
     * `addEventListener` with the event's type checked and its `detail` handed over.
     * @template {keyof SilentRefreshEventMap} K
     * @param {K} type
     * @param {(detail: SilentRefreshEventMap[K]) => void} listener
     * @returns {() => void} removes the listener
     */
    on<K extends keyof SilentRefreshEventMap>(type: K, listener: (detail: SilentRefreshEventMap[K]) => void): () => void;
    /** @param {Response} response @returns {boolean} whether it is the answer to the single retry after a 401 */
    wasRetried(response: Response): boolean;
    /**
     * Refreshes now, whatever the token's lifetime (a refresh another tab's page asked for at the same moment counts).
     */
    refresh(): Promise<void>;
    /**
     * Sends an extra request type to the owner (for apps that serve the owner with hooks).
     * @param {string} type
     * @param {Record<string, unknown>} [payload]
     */
    request(type: string, payload?: Record<string, unknown>): Promise<any>;
    /** Disconnects this page from the owner. */
    dispose(): void;
    #private;
}
export { SessionEndedError };
export type SilentRefreshOptions = {
    /**
     * e.g. `http://localhost:8080/realms/demo`; endpoints come from its discovery document
     */
    issuer: string;
    /**
     * public client (authorization code + PKCE S256)
     */
    clientId: string;
    /**
     * default `location.origin + '/'`
     */
    redirectUri?: string | undefined;
    /**
     * default `redirectUri`
     */
    postLogoutRedirectUri?: string | undefined;
    /**
     * default `'openid profile email'`
     */
    scope?: string | undefined;
    /**
     * the server's grace window for retried refreshes (refresh-token-rotation's
     * `grace-period-seconds`); 0 disables retries with the same token
     */
    graceSeconds?: number | undefined;
    /**
     * proactive refresh this long before expiry (at most a third of the lifetime); default 15
     */
    refreshLeadSeconds?: number | undefined;
    /**
     * false: refresh only when a call needs it
     */
    proactiveRefresh?: boolean | undefined;
    /**
     * bind tokens to a non-extractable DPoP key (the client must allow DPoP in Keycloak)
     */
    dpop?: boolean | undefined;
    /**
     * origins `fetch()` attaches the token to; default this page's origin
     */
    allowedOrigins?: string[] | undefined;
    /**
     * the owner's worker script; default `owner-worker.js` beside this file
     */
    workerUrl?: string | URL | undefined;
    fetch?: typeof fetch | undefined;
};
/**
 * The events of {@link SilentRefreshClient} and their `detail`.
 */
export type SilentRefreshEventMap = {
    tokens: {
        source: string;
        version: number;
        generation: number | null;
        family: string | null;
        accessTokenExpiresAt: number;
        expiresIn: number;
    };
    "session-ended": {
        code: string;
        reason: string;
    };
    "refresh-error": {
        code: string;
        message: string;
        retryAt: number | null;
    };
    expiring: {
        accessTokenExpiresAt: number | null;
    };
    log: {
        time: number;
        kind: string;
        message: string;
        tabId: string;
    };
    "token-request": {
        grantType: "refresh_token" | "authorization_code";
        attempt: number;
        counters: {
            refreshRequests: number;
            codeExchanges: number;
        };
    };
    retry: {};
};
import { SessionEndedError } from './errors.js';
