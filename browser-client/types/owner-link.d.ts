/** A call the owner has not answered after this long makes the link ping it. */
export const PING_AFTER_MS: 3000;
/** A ping not answered within this long means the owner is dead. */
export const PING_TIMEOUT_MS: 2000;
/** However busy the owner is, a call gets an answer or an error within this long. */
export const CALL_TIMEOUT_MS: 30000;
/** Reconnecting after a dead owner waits 1, 2, 4 … s, capped, while owners keep dying (a wrong URL, a CSP): no busy loop. */
export const MAX_RECONNECT_DELAY_MS: 30000;
/**
 * What the link needs of the browser (injectable for tests).
 * @typedef {object} Platform
 * @property {(typeof SharedWorker)|undefined} SharedWorker
 * @property {typeof Worker} Worker
 * @property {LockManager|undefined} locks
 * @property {(typeof BroadcastChannel)|undefined} BroadcastChannel
 */
/**
 * @typedef {'shared'|'leader'|'follower'|'dedicated'} OwnerMode
 * @typedef {{ postMessage(message: any, transfer?: Transferable[]): void }} Sink
 */
export class OwnerLink {
    /**
     * @param {object} options
     * @param {string|URL} options.workerUrl
     * @param {string} options.name one owner per name (client and DPoP or not)
     * @param {() => Record<string, unknown>} options.configuration what `configure` sends
     * @param {(message: any) => void} options.onEvent an event of the owner (`{ event, detail }`)
     * @param {(why: string) => void} options.onRestart the link connected to a new owner (it has no session yet)
     * @param {Platform} [options.platform]
     */
    constructor(options: {
        workerUrl: string | URL;
        name: string;
        configuration: () => Record<string, unknown>;
        onEvent: (message: any) => void;
        onRestart: (why: string) => void;
        platform?: Platform | undefined;
    });
    /** @type {OwnerMode|null} */
    mode: OwnerMode | null;
    /** Connects (once; again after the owner died) and configures the owner. */
    connect(): Promise<void>;
    /**
     * A request to the owner; rejects when it does not answer, fast when it is dead.
     * @param {string} type
     * @param {Record<string, unknown>} [payload]
     * @returns {Promise<any>}
     */
    call(type: string, payload?: Record<string, unknown>): Promise<any>;
    /** Checks that the owner answers (after a return from the back-forward cache, a sleep); reconnects when it does not. */
    check(): Promise<void>;
    /** A short random id of this page, for logs and the relay. */
    get tabId(): string;
    /**
     * Where another document of this origin reaches the same owner (the silent-callback page hands it a code): the
     * SharedWorker's script URL and name. Null when the owner is a dedicated worker, which only its tab can reach.
     * @returns {{ workerUrl: string, name: string }|null}
     */
    get ownerAddress(): {
        workerUrl: string;
        name: string;
    } | null;
    /** Tells the owner this page is gone for now (into the back-forward cache); the next call brings it back. */
    leave(): void;
    /** Leaves the owner for good (the page is unloaded). */
    close(): void;
    #private;
}
/**
 * What the link needs of the browser (injectable for tests).
 */
export type Platform = {
    SharedWorker: (typeof SharedWorker) | undefined;
    Worker: typeof Worker;
    locks: LockManager | undefined;
    BroadcastChannel: (typeof BroadcastChannel) | undefined;
};
export type OwnerMode = "shared" | "leader" | "follower" | "dedicated";
export type Sink = {
    postMessage(message: any, transfer?: Transferable[]): void;
};
