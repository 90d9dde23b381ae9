/**
 * @typedef {{ handled: boolean, loggedIn?: boolean, error?: string|null, message?: string|null }} CallbackOutcome what the
 *   owner did with a code (never the code, never a token)
 * @typedef {object} CallbackEnv
 * @property {string} href the callback page's URL: Keycloak's answer
 * @property {{ postMessage(message: any, targetOrigin: string): void }|null} parent the framing window (null: not framed)
 * @property {string} origin this origin
 * @property {string} frameName the iframe's name (`window.name`), where the framing page wrote the owner's address
 * @property {(typeof SharedWorker)|undefined} SharedWorker
 */
/**
 * The iframe name that tells the callback page where the owner is.
 * @param {{ workerUrl: string, name: string }} address
 */
export function frameNameFor(address: {
    workerUrl: string;
    name: string;
}): string;
/**
 * Answers Keycloak's redirect in a silent-login iframe (see the file comment).
 * @param {CallbackEnv} env
 * @returns {Promise<void>}
 */
export function answerSilentCallback(env: CallbackEnv): Promise<void>;
/**
 * what the
 *   owner did with a code (never the code, never a token)
 */
export type CallbackOutcome = {
    handled: boolean;
    loggedIn?: boolean;
    error?: string | null;
    message?: string | null;
};
export type CallbackEnv = {
    /**
     * the callback page's URL: Keycloak's answer
     */
    href: string;
    /**
     * the framing window (null: not framed)
     */
    parent: {
        postMessage(message: any, targetOrigin: string): void;
    } | null;
    /**
     * this origin
     */
    origin: string;
    /**
     * the iframe's name (`window.name`), where the framing page wrote the owner's address
     */
    frameName: string;
    SharedWorker: (typeof SharedWorker) | undefined;
};
