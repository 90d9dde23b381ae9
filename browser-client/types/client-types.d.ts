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
     * with `dpop`: the server's executor has `bound-token-retry` on, so an unanswered refresh
     * is retried with back-off until an answer instead of being given up after the grace window
     */
    boundTokenRetry?: boolean | undefined;
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
    "owner-restarted": {
        reason: string;
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
