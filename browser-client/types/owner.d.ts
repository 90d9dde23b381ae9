/**
 * Serves a token owner in a worker: every connecting page of a SharedWorker, or the one page of a dedicated worker.
 * @param {any} scope the worker's global scope
 * @param {{ hooks?: OwnerHooks }} [options]
 */
export function serveTokenOwner(scope: any, options?: {
    hooks?: OwnerHooks;
}): TokenOwner;
/**
 * The configuration a page hands to the owner. The first page's configuration counts; later pages must agree on the client.
 * @typedef {object} OwnerConfig
 * @property {string} issuer
 * @property {string} clientId
 * @property {string} scope
 * @property {number} graceSeconds the server's grace window for a retried refresh (refresh-token-rotation's grace-period-seconds)
 * @property {number} refreshLeadSeconds
 * @property {boolean} proactiveRefresh
 * @property {boolean} dpop bind tokens to a DPoP key
 * @property {number} [requestTimeoutMs]
 */
/**
 * A page's end of the conversation (MessagePort, or the dedicated worker's global scope).
 * @typedef {{ postMessage(message: any): void, onmessage: ((event: MessageEvent) => void)|null }} Port
 */
/**
 * Hooks for code that builds its own worker entry around the owner (the demo's replay button uses them).
 * @typedef {object} OwnerHooks
 * @property {(tokens: import('./token-set.js').TokenSet) => void} [tokenSetInstalled]
 * @property {Record<string, (message: any, owner: TokenOwner) => Promise<any>>} [handlers] extra request types
 */
export class TokenOwner {
    /**
     * @param {{ fetch?: typeof fetch, hooks?: OwnerHooks, monotonic?: () => number }} [options]
     */
    constructor(options?: {
        fetch?: typeof fetch;
        hooks?: OwnerHooks;
        monotonic?: () => number;
    });
    /** The provider metadata (after the first page configured the owner). */
    get metadata(): import("./oidc.js").ProviderMetadata | null;
    /** The configuration of the first page. */
    get config(): OwnerConfig | null;
    /**
     * A DPoP proof for a request of the owner's client, or null without DPoP (for hooks).
     * @param {string} htm
     * @param {string} htu
     */
    dpopProof(htm: string, htu: string): Promise<string | null>;
    /** @param {Port} port */
    connect(port: Port): void;
    #private;
}
/**
 * The configuration a page hands to the owner. The first page's configuration counts; later pages must agree on the client.
 */
export type OwnerConfig = {
    issuer: string;
    clientId: string;
    scope: string;
    /**
     * the server's grace window for a retried refresh (refresh-token-rotation's grace-period-seconds)
     */
    graceSeconds: number;
    refreshLeadSeconds: number;
    proactiveRefresh: boolean;
    /**
     * bind tokens to a DPoP key
     */
    dpop: boolean;
    requestTimeoutMs?: number | undefined;
};
/**
 * A page's end of the conversation (MessagePort, or the dedicated worker's global scope).
 */
export type Port = {
    postMessage(message: any): void;
    onmessage: ((event: MessageEvent) => void) | null;
};
/**
 * Hooks for code that builds its own worker entry around the owner (the demo's replay button uses them).
 */
export type OwnerHooks = {
    tokenSetInstalled?: ((tokens: import("./token-set.js").TokenSet) => void) | undefined;
    /**
     * extra request types
     */
    handlers?: Record<string, (message: any, owner: TokenOwner) => Promise<any>> | undefined;
};
