/**
 * @typedef {object} OwnerRequestDeps
 * @property {import('./owner.js').TokenOwner} owner
 * @property {import('./refresh-run.js').RefreshRun} refresh
 * @property {import('./login-flow.js').LoginFlow} login
 * @property {import('./refresh-machine.js').Clock} clock
 * @property {(config: any) => void} configure takes a page's configuration
 * @property {Record<string, (message: any, owner: import('./owner.js').TokenOwner) => Promise<any>>} handlers extra request types
 */
/**
 * The answer to one request of a page.
 * @param {OwnerRequestDeps} d
 * @param {any} message
 * @returns {Promise<any>}
 */
export function handleOwnerRequest(d: OwnerRequestDeps, message: any): Promise<any>;
export type OwnerRequestDeps = {
    owner: import("./owner.js").TokenOwner;
    refresh: import("./refresh-run.js").RefreshRun;
    login: import("./login-flow.js").LoginFlow;
    clock: import("./refresh-machine.js").Clock;
    /**
     * takes a page's configuration
     */
    configure: (config: any) => void;
    /**
     * extra request types
     */
    handlers: Record<string, (message: any, owner: import("./owner.js").TokenOwner) => Promise<any>>;
};
