/**
 * Serves a token owner in a worker: every connecting page of a SharedWorker, or the page of a dedicated worker (which may
 * attach ports for other tabs).
 * @param {any} scope the worker's global scope
 * @param {{ hooks?: OwnerHooks }} [options]
 */
export function serveTokenOwner(scope: any, options?: {
    hooks?: OwnerHooks;
}): TokenOwner;
/** @typedef {import('./owner-config.js').OwnerConfig} OwnerConfig */
/**
 * Hooks for code that builds its own worker entry around the owner (the demo's replay button uses them).
 * @typedef {object} OwnerHooks
 * @property {(tokens: import('./token-set.js').TokenSet) => void} [tokenSetInstalled]
 * @property {Record<string, (message: any, owner: TokenOwner) => Promise<any>>} [handlers] extra request types
 */
/** @typedef {import('./network.js').Network} Network */
/**
 * @typedef {object} OwnerOptions
 * @property {typeof fetch} [fetch]
 * @property {OwnerHooks} [hooks]
 * @property {import('./refresh-machine.js').Clock} [clock]
 * @property {Network} [network]
 * @property {{ pendingLogins: import('./idb.js').KeyValueStore, keys: import('./idb.js').KeyValueStore }} [stores]
 * @property {string} [origin] the app's origin (default: the worker's)
 */
export class TokenOwner {
    /** @param {OwnerOptions} [options] */
    constructor(options?: OwnerOptions);
    /** The provider metadata (after the first page configured the owner). */
    get metadata(): import("./oidc.js").ProviderMetadata | null;
    /** The configuration of the first page. */
    get config(): import("./owner-config.js").OwnerConfig | null;
    /** @returns {import('./token-set.js').TokenSet|null} the installed token set */
    get tokens(): import("./token-set.js").TokenSet | null;
    /** This owner's id: views carry it, so pages tell its versions from a former owner's. */
    get id(): string;
    /** Token-endpoint requests so far (counted by the refresh run and the login). */
    get counters(): {
        refreshRequests: number;
        codeExchanges: number;
    };
    /**
     * A DPoP proof for a request of the owner's client, or null without DPoP (for hooks).
     * @param {string} htm
     * @param {string} htu
     * @param {string|null} [accessToken]
     * @param {string|null} [nonce] default: the token endpoint's last nonce
     * @returns {Promise<string|null>}
     */
    dpopProof(htm: string, htu: string, accessToken?: string | null, nonce?: string | null): Promise<string | null>;
    /** @param {import('./owner-ports.js').Port} port */
    connect(port: import("./owner-ports.js").Port): void;
    /** What a page learns of the owner: its id, the session's view or why there is none, the counters. */
    status(): {
        owner: string;
        loggedIn: boolean;
        view: import("./token-set.js").AccessTokenView | null;
        reason: {
            code: string;
            message: string;
        } | null;
        counters: {
            refreshRequests: number;
            codeExchanges: number;
        };
    };
    /** @param {import('./token-set.js').TokenSet} tokens */
    view(tokens: import("./token-set.js").TokenSet): import("./token-set.js").AccessTokenView;
    /**
     * @param {import('./token-set.js').TokenSet} tokens
     * @param {'login'|'refresh'|'recovery'} source
     */
    install(tokens: import("./token-set.js").TokenSet, source: "login" | "refresh" | "recovery"): void;
    /** The next version number, taken (for a refreshed set). */
    nextVersion(): number;
    /**
     * @param {string} code
     * @param {string} message
     */
    endSession(code: string, message: string): void;
    /**
     * A login that a page started failed: the reason the pages show.
     * @param {string} code
     * @param {string} message
     */
    loginFailed(code: string, message: string): void;
    endedError(): SessionEndedError;
    /**
     * @template T
     * @param {() => Promise<T>} work
     * @returns {Promise<T>}
     */
    inExclusive<T>(work: () => Promise<T>): Promise<T>;
    /** @returns {Promise<import('./oidc.js').ProviderMetadata>} */
    ensureMetadata(): Promise<import("./oidc.js").ProviderMetadata>;
    /** The DPoP key (created on first use), or null without DPoP. */
    dpopKey(): Promise<import("./dpop.js").DpopKey | null>;
    /** Forgets the DPoP key (logout): the next login binds a new family to a new key. */
    forgetDpopKey(): Promise<void>;
    /**
     * @param {string} kind
     * @param {string} message
     */
    log(kind: string, message: string): void;
    #private;
}
export type OwnerConfig = import("./owner-config.js").OwnerConfig;
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
export type Network = import("./network.js").Network;
export type OwnerOptions = {
    fetch?: typeof fetch | undefined;
    hooks?: OwnerHooks | undefined;
    clock?: import("./refresh-machine.js").Clock | undefined;
    network?: import("./network.js").Network | undefined;
    stores?: {
        pendingLogins: import("./idb.js").KeyValueStore;
        keys: import("./idb.js").KeyValueStore;
    } | undefined;
    /**
     * the app's origin (default: the worker's)
     */
    origin?: string | undefined;
};
import { SessionEndedError } from './errors.js';
