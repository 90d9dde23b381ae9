/** After an owner restart, calls wait this long at most: a reconnect, a silent login in an iframe, its code exchange. */
export const RESTART_WAIT_MS: number;
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
    /**
     * No session for now (Keycloak did not answer): waiting calls and every call until `end()` or `begin()` fail with `error`.
     * @param {RefreshUnavailableError} error
     */
    unavailable(error: RefreshUnavailableError): void;
    /** @returns {Promise<boolean>} true at once or when the wait ended; false when its bound passed first */
    wait(): Promise<boolean>;
    /** Waits; past the bound the call fails (refresh_unavailable) rather than go out without a token. */
    ready(): Promise<void>;
    #private;
}
import { RefreshUnavailableError } from './errors.js';
