export class RefreshRun {
    /** @param {RefreshRunDeps} deps */
    constructor(deps: RefreshRunDeps);
    /** @type {string|null} the token endpoint's last DPoP nonce */
    dpopNonce: string | null;
    /**
     * A new token set is installed (or the session ended): its refresh token starts fresh.
     * @param {number|null} [after401] the version, when it was obtained because the API rejected the one before
     */
    reset(after401?: number | null): void;
    /**
     * Makes sure the current set is replaced, then returns the new one.
     * @param {string} why
     * @param {boolean} [asked] a person asked (the demo's button): a refusal's cooldown does not apply
     * @param {number|null} [seenVersion] the version the asking page had: when a newer one exists already (another tab's
     *   refresh at the same moment), that refresh answers this request too
     */
    now(why: string, asked?: boolean, seenVersion?: number | null): Promise<import("./token-set.js").TokenSet>;
    /**
     * The API answered 401 invalid_token to the access token of `version`: at most one refresh per rejected token. A token
     * that a refresh after a 401 produced and that no page has seen accepted is not refreshed again (the API rejects every
     * token: a wrong audience); once it has worked, a later 401 on it (an API clock ahead) gets its refresh like any other.
     * @param {number} version
     * @param {boolean} accepted a page has had an answer other than 401 with this token
     */
    afterRejection(version: number, accepted: boolean): Promise<import("./token-set.js").TokenSet>;
    /**
     * A page had an answer other than 401 with the access token of `version`: a token a 401-refresh produced has worked, so
     * its own 401 later (an API clock ahead, whichever tab sees it) gets a refresh like any other.
     * @param {number} version
     * @param {unknown} owner the owner id the page's token came from (a former owner's versions count anew)
     * @returns {null}
     */
    accepted(version: number, owner: unknown): null;
    /**
     * A hint from another tab (per-tab owners) that the session may have changed: ask Keycloak, at most every 10 s. The hint
     * decides nothing; Keycloak does. When Keycloak ends the session right after a tab said it logged out, that logout is the
     * reason the user is shown ("You logged out in another tab."), not a revocation.
     * @param {unknown} [hint] 'logged_out' when the other tab logged out
     */
    verify(hint?: unknown): Promise<void>;
    /** The timer or the network woke the owner: a proactive refresh, a retry, or a recovery. */
    wake(): void;
    #private;
}
export type RefreshRunDeps = {
    owner: import("./owner.js").TokenOwner;
    fetch: typeof fetch;
    clock: import("./refresh-machine.js").Clock;
    network: import("./network.js").Network;
    login: import("./login-flow.js").LoginFlow;
    ports: import("./owner-ports.js").OwnerPorts;
    timer: import("./due-timer.js").DueTimer;
};
