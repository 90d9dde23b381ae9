/** @param {string} clientId */
export function hadSession(clientId: string): boolean;
/**
 * @param {string} clientId
 * @param {boolean} value
 */
export function rememberSession(clientId: string, value: boolean): void;
/**
 * Whether this tab may still try the top-level `prompt=none` redirect (once; sessionStorage survives the redirect), and
 * marks it tried.
 * @param {string} clientId
 */
export function takeTopLevelAttempt(clientId: string): boolean;
/** @param {string} clientId a session was installed: a later loss of it may try the redirect again */
export function resetTopLevelAttempt(clientId: string): void;
/**
 * The same-origin path to show after a callback, without the authorization response's parameters.
 * @param {unknown} returnTo
 * @param {Location|URL} here
 */
export function cleanPath(returnTo: unknown, here: Location | URL): string;
/** This page's path, query and fragment: where a login returns to. */
export function currentPath(): string;
