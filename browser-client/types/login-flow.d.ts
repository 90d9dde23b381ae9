/** How long the owner waits for a page to run a silent login: the page's own iframe timeout, and time to answer. */
export const SILENT_LOGIN_WAIT_MS: number;
/**
 * @typedef {object} LoginFlowDeps
 * @property {import('./owner.js').TokenOwner} owner
 * @property {typeof fetch} fetch
 * @property {() => import('./idb.js').KeyValueStore} pendingLogins
 * @property {string} origin the app's origin (redirect URIs)
 * @property {import('./refresh-machine.js').Clock} clock
 * @property {import('./owner-ports.js').OwnerPorts} ports
 */
export class LoginFlow {
    /** @param {LoginFlowDeps} deps */
    constructor(deps: LoginFlowDeps);
    /**
     * A new authorization request; its pending login (PKCE verifier, state, nonce) is stored under its state.
     * @param {{ prompt: string|null, silent: boolean, redirectUri: string|null, returnTo: string }} request
     */
    begin(request: {
        prompt: string | null;
        silent: boolean;
        redirectUri: string | null;
        returnTo: string;
    }): Promise<{
        url: string;
        pending: PendingLogin;
    }>;
    /**
     * A page's `begin-login` request: the URL to send the browser (or an iframe) to.
     * @param {any} message
     */
    beginFor(message: any): Promise<{
        url: string;
    }>;
    /**
     * An authorization response (a page's URL or an iframe's). Only a state we stored makes it a callback; another user's
     * tokens end the first user's session in every tab (`user_changed`) before they are installed.
     * @param {string} href
     */
    callback(href: string): Promise<{
        handled: boolean;
        loggedIn?: undefined;
        returnTo?: undefined;
        error?: undefined;
        message?: undefined;
    } | {
        handled: boolean;
        loggedIn: boolean;
        returnTo: string;
        error?: undefined;
        message?: undefined;
    } | {
        handled: boolean;
        loggedIn: boolean;
        returnTo: string;
        error: string;
        message: string;
    }>;
    /**
     * An answer the silent-callback page hands over directly (frame-callback.js): its code never reached a page. Only a
     * state this owner has pending is taken; any other code (another script's own login) is dropped unused.
     * @param {string} href
     */
    frameCallback(href: string): Promise<{
        handled: boolean;
        loggedIn: boolean;
        error: string | null;
        message: string | null;
    }>;
    /** Ends the Keycloak session first (the owner POSTs it; the ID token never leaves the owner), then tells every tab. */
    logout(): Promise<{
        endSessionSent: boolean;
    }>;
    /**
     * Runs a silent login in a page's hidden iframe; resolves when its callback was handled, or with the error.
     * @param {{ postMessage(message: any): void }} port
     * @returns {Promise<{ error?: string }>}
     */
    runSilent(port: {
        postMessage(message: any): void;
    }): Promise<{
        error?: string;
    }>;
    /**
     * Tells a waiting silent login how its callback went.
     * @param {string} state
     * @param {{ error?: string }} result
     */
    settleSilent(state: string, result: {
        error?: string;
    }): void;
    #private;
}
export type LoginFlowDeps = {
    owner: import("./owner.js").TokenOwner;
    fetch: typeof fetch;
    pendingLogins: () => import("./idb.js").KeyValueStore;
    /**
     * the app's origin (redirect URIs)
     */
    origin: string;
    clock: import("./refresh-machine.js").Clock;
    ports: import("./owner-ports.js").OwnerPorts;
};
