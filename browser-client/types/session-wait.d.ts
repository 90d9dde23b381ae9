/**
 * @file What a page's calls wait for after its token owner restarted. The new owner has no session until it logs in silently
 * from the Keycloak SSO session (or, in a follower tab, until the leader's tab has); a call made in that moment would go out
 * without a token (a 401) or fail with "Not logged in". A page that had a session therefore holds its calls until the new
 * session arrives or is known to be over, at most for a bound, and never sends them without a token in between.
 */
export class SessionWait {
    /** Whether calls are waiting for a session now. */
    get active(): boolean;
    /**
     * From now on calls wait, at most `timeoutMs`.
     * @param {number} timeoutMs
     */
    begin(timeoutMs: number): void;
    /** The session is back, or it is over: waiting calls go on. */
    end(): void;
    /** @returns {Promise<boolean>} true at once or when the wait ended; false when its bound passed first */
    wait(): Promise<boolean>;
    #private;
}
