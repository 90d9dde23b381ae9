export class PageLogins {
    /** @param {PageLoginDeps} deps */
    constructor(deps: PageLoginDeps);
    /**
     * The page's URL as an authorization response: handed to the owner (which takes only a `state` it has pending), and
     * code and state removed from the address bar whatever happens.
     * @returns {Promise<{ code: string, message: string }|null>} why the login failed, or null
     */
    takeCallback(): Promise<{
        code: string;
        message: string;
    } | null>;
    /**
     * A silent login for this page. Resolves `logged-in`; `no-session` when Keycloak answered that it has no session to use
     * without the user (`login_required`, `interaction_required`, …); `no-answer` when no answer came (the iframe timed out,
     * Keycloak slow or unreachable) or the code could not be exchanged. Never resolves when it leaves for the top-level redirect.
     * @param {string} why
     * @returns {Promise<'logged-in'|'no-session'|'no-answer'>}
     */
    silent(why: string): Promise<"logged-in" | "no-session" | "no-answer">;
    /**
     * The owner needs a silent login (its refresh token may be spent): run it in this page's iframe and hand the answer over.
     * @param {string} url
     * @param {string} state
     */
    forOwner(url: string, state: string): Promise<void>;
    /**
     * Per-tab owners only (no SharedWorker, no Web Locks): tabs have separate families and tell each other, without tokens or
     * trust, that a session started or ended; a tab that hears it asks Keycloak itself, so a forged hint costs one request.
     * @param {{ loggedIn: () => boolean, loggingOut: () => boolean }} page
     */
    listenToPeers(page: {
        loggedIn: () => boolean;
        loggingOut: () => boolean;
    }): void;
    /**
     * Tells the other tabs (per-tab owners only).
     * @param {'logged-in'|'session-ended'} type
     * @param {'logged_out'} [reason] the session ended because the user logged out (the other tabs say so, once Keycloak
     *   confirms the session is over)
     */
    tellPeers(type: "logged-in" | "session-ended", reason?: "logged_out"): void;
    close(): void;
    #private;
}
export type PageLoginDeps = {
    link: import("./owner-link.js").OwnerLink;
    clientId: string;
    redirectUri: string;
    log: (kind: string, message: string) => void;
    /**
     * default `location.assign`
     */
    navigate?: ((url: string) => void) | undefined;
    /**
     * default: the hidden iframe (silent-login.js)
     */
    runSilent?: ((url: string, timeoutMs: number, frameName: string) => Promise<import("./silent-login.js").SilentAnswer>) | undefined;
};
