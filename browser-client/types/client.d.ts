/**
 * @typedef {import('./client-types.js').SilentRefreshOptions} SilentRefreshOptions
 * @typedef {import('./client-types.js').SilentRefreshEventMap} SilentRefreshEventMap
 */
export class SilentRefreshClient extends EventTarget {
    /** @param {SilentRefreshOptions} options */
    constructor(options: SilentRefreshOptions);
    /** True while the owner holds a session. */
    get authenticated(): boolean;
    /** 'shared' (a SharedWorker), 'leader' or 'follower' (one owner elected with Web Locks), 'dedicated' (one per tab). */
    get mode(): import("./owner-link.js").OwnerMode | null;
    /** Why there is no session (null while logged in or before anything happened). */
    get reason(): {
        code: string;
        message: string;
    } | null;
    /** Token-endpoint requests the owner has made (the whole browser with one owner, this tab with a dedicated one). */
    get counters(): {
        refreshRequests: number;
        codeExchanges: number;
    };
    get issuer(): string;
    get accessTokenExpiresAt(): number | null;
    get refreshTokenExpiresAt(): number | null;
    /** Decoded access-token payload, for display only. */
    get accessTokenClaims(): Record<string, any> | null;
    /** Decoded ID-token claims, for display only (the ID token itself stays in the owner). */
    get idTokenClaims(): Record<string, any> | null;
    /** `{ generation, family }` of the refresh token the owner holds, or null. */
    get refreshTokenInfo(): {
        generation: number | null;
        family: string | null;
    } | null;
    /** 'Bearer' or 'DPoP'. */
    get tokenType(): "Bearer" | "DPoP" | null;
    /**
     * Connects to the owner, handles a login callback in the URL (only one whose `state` this browser stored; the URL is
     * cleaned whatever happens), and otherwise logs in silently from the Keycloak SSO session when this browser had a
     * session before. Resolves true when logged in. A failed init is tried afresh by the next call.
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
     * Ends the session everywhere: the owner POSTs the RP-initiated logout to Keycloak (with the ID token, which no page
     * sees), which ends the SSO session; only then are the tabs told (`session-ended`, `logged_out` here and `peer_logout`
     * elsewhere). Resolves `{ endSessionSent }`: false when Keycloak could not be reached (the tokens are forgotten anyway).
     * @returns {Promise<{ endSessionSent: boolean }>}
     */
    logout(): Promise<{
        endSessionSent: boolean;
    }>;
    /**
     * An access token valid for at least `minValidity` seconds (refreshed first when needed), like keycloak-js's updateToken.
     * A wish above half the token's lifetime is clamped to half of it (a 60 s token cannot be valid for 120 s).
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
     * Refreshes now, whatever the token's lifetime. A refresh another tab asked for at the same moment counts: when the owner
     * has a newer token than this page had when it asked, that one is the answer.
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
    /** A short random id of this page, for logs. */
    get tabId(): string;
    #private;
}
export { SessionEndedError };
export type SilentRefreshOptions = import("./client-types.js").SilentRefreshOptions;
export type SilentRefreshEventMap = import("./client-types.js").SilentRefreshEventMap;
import { SessionEndedError } from './errors.js';
