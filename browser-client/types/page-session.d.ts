/**
 * @param {number} attempt 0 for the wait after the first try
 * @param {() => number} [random]
 */
export function silentRetryDelayMs(attempt: number, random?: () => number): number;
/**
 * What the page (client.js) lets this file read and change.
 * @typedef {object} PageSessionState
 * @property {() => boolean} hasView whether the page holds a session's view
 * @property {() => void} dropView the old owner's view is void
 * @property {(view: any) => void} accept a view of the owner
 * @property {() => { code: string, message: string }|null} reason
 * @property {(reason: { code: string, message: string }|null) => void} setReason
 * @property {(counters: { refreshRequests: number, codeExchanges: number }) => void} setCounters
 * @property {() => boolean} loggingOut this page is logging out
 * @property {(name: string, detail: unknown) => void} emit an event of the client
 * @property {(kind: string, message: string) => void} log a line of the client's log
 */
/** The silent login after a restart is retried after 2, 4, 8 … s (jittered to half of that at least), at most this. */
export const MAX_SILENT_RETRY_DELAY_MS: 60000;
/**
 * @typedef {object} PageSessionDeps
 * @property {import('./owner-link.js').OwnerLink} link
 * @property {import('./page-logins.js').PageLogins} logins
 * @property {import('./session-wait.js').SessionWait} sessionWait
 * @property {string} clientId
 * @property {PageSessionState} page
 */
export class PageSession {
    /** @param {PageSessionDeps} deps */
    constructor(deps: PageSessionDeps);
    /**
     * Connects, takes a login callback in the URL, and otherwise the owner's session, or a silent login when this browser
     * had a session before. Resolves true when logged in.
     * @returns {Promise<boolean>}
     */
    start(): Promise<boolean>;
    /**
     * The owner restarted. Up to the first `await` this runs at once, before any call made after the restart can look for a
     * token: the calls of a page that had a session wait (bounded) until the new owner has one.
     */
    afterRestart(): Promise<void>;
    /**
     * The session is over (the owner said so): the page drops it and shows why; a logout started elsewhere is told as one.
     * @param {string} ownerCode revoked, expired, logged_out, user_changed
     * @param {string} message
     */
    ended(ownerCode: string, message: string): void;
    /** The page is disposed: nothing more is retried. */
    close(): void;
    #private;
}
/**
 * What the page (client.js) lets this file read and change.
 */
export type PageSessionState = {
    /**
     * whether the page holds a session's view
     */
    hasView: () => boolean;
    /**
     * the old owner's view is void
     */
    dropView: () => void;
    /**
     * a view of the owner
     */
    accept: (view: any) => void;
    reason: () => {
        code: string;
        message: string;
    } | null;
    setReason: (reason: {
        code: string;
        message: string;
    } | null) => void;
    setCounters: (counters: {
        refreshRequests: number;
        codeExchanges: number;
    }) => void;
    /**
     * this page is logging out
     */
    loggingOut: () => boolean;
    /**
     * an event of the client
     */
    emit: (name: string, detail: unknown) => void;
    /**
     * a line of the client's log
     */
    log: (kind: string, message: string) => void;
};
export type PageSessionDeps = {
    link: import("./owner-link.js").OwnerLink;
    logins: import("./page-logins.js").PageLogins;
    sessionWait: import("./session-wait.js").SessionWait;
    clientId: string;
    page: PageSessionState;
};
