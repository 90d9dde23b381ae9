/**
 * Plain form of an error, for postMessage.
 * @typedef {{ code: string, message: string, retryAt?: number|null, status?: number, error?: string|null, reasonCode?: string|null }} ErrorData
 */
/**
 * @param {unknown} err
 * @returns {ErrorData}
 */
export function toErrorData(err: unknown): ErrorData;
/**
 * @param {ErrorData} data
 * @returns {SilentRefreshError}
 */
export function fromErrorData(data: ErrorData): SilentRefreshError;
/**
 * A short human text for any thrown value.
 * @param {unknown} err
 */
export function errorText(err: unknown): string;
/**
 * @file The errors the client rejects with. Each has a stable `code`; `message` is for people.
 * Errors cross from the token owner (a worker) to pages as `{ code, message, ... }` and are rebuilt here.
 */
/** Base class of every error of this library. */
export class SilentRefreshError extends Error {
    /**
     * @param {string} code
     * @param {string} message
     * @param {{ cause?: unknown }} [options]
     */
    constructor(code: string, message: string, options?: {
        cause?: unknown;
    });
    /** @type {string} */
    code: string;
}
/** The session is over (the refresh token was refused with invalid_grant, or the user logged out): log in again. */
export class SessionEndedError extends SilentRefreshError {
    /**
     * @param {string} message
     * @param {string|null} [reasonCode] e.g. 'revoked', 'logged_out', 'expired'
     */
    constructor(message: string, reasonCode?: string | null);
    reasonCode: string | null;
}
/** Keycloak could not be reached or answered with a fault (network, timeout, 5xx, 429); the session is kept. */
export class RefreshUnavailableError extends SilentRefreshError {
    /**
     * @param {string} message
     * @param {number|null} retryAt Local epoch ms of the next automatic try, if known.
     */
    constructor(message: string, retryAt: number | null);
    retryAt: number | null;
}
/** The token endpoint refused the refresh with something other than invalid_grant (e.g. invalid_client); not retried for a while. */
export class RefreshFailedError extends SilentRefreshError {
    /**
     * @param {string} message
     * @param {number} status
     * @param {string|null} error OAuth `error` of the response.
     */
    constructor(message: string, status: number, error: string | null);
    status: number;
    error: string | null;
}
/** The API keeps rejecting freshly refreshed access tokens (e.g. a wrong audience): refreshing again cannot help. */
export class TokenRejectedError extends SilentRefreshError {
    /** @param {string} message */
    constructor(message: string);
}
/**
 * Plain form of an error, for postMessage.
 */
export type ErrorData = {
    code: string;
    message: string;
    retryAt?: number | null;
    status?: number;
    error?: string | null;
    reasonCode?: string | null;
};
