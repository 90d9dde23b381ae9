/**
 * @typedef {object} RefreshReportDeps
 * @property {import('./owner.js').TokenOwner} owner
 * @property {import('./refresh-machine.js').Clock} clock
 * @property {import('./network.js').Network} network
 * @property {import('./owner-ports.js').OwnerPorts} ports
 * @property {import('./due-timer.js').DueTimer} timer
 */
export class RefreshReports {
    /** @param {RefreshReportDeps} deps */
    constructor(deps: RefreshReportDeps);
    /**
     * Keycloak is unavailable (or a new session is being fetched): the owner tries again at `retryAt`, if given.
     * @param {string} message
     * @param {number|null} retryAt
     */
    unavailable(message: string, retryAt: number | null): RefreshUnavailableError;
    /**
     * The token endpoint refused the refresh (not `invalid_grant`): no new try before `retryAt`.
     * @param {import('./oidc.js').TokenEndpointAnswer} answer
     * @param {number|null} retryAt
     */
    refused(answer: import("./oidc.js").TokenEndpointAnswer, retryAt: number | null): RefreshFailedError;
    /**
     * Offline: nothing is sent, nothing spent; `wake` runs when the browser is online again.
     * @param {() => void} wake
     */
    offline(wake: () => void): RefreshUnavailableError;
    /** The refresh token may be spent and is never sent again: the owner wakes at once to get a new session silently. */
    gaveUp(): RefreshUnavailableError;
    /** The API rejected a token that a refresh after its own 401 produced: refreshing again cannot help. */
    rejectedAgain(): TokenRejectedError;
    #private;
}
export type RefreshReportDeps = {
    owner: import("./owner.js").TokenOwner;
    clock: import("./refresh-machine.js").Clock;
    network: import("./network.js").Network;
    ports: import("./owner-ports.js").OwnerPorts;
    timer: import("./due-timer.js").DueTimer;
};
import { RefreshUnavailableError } from './errors.js';
import { RefreshFailedError } from './errors.js';
import { TokenRejectedError } from './errors.js';
