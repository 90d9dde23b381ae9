/**
 * Loads `url` in a hidden iframe and resolves with the callback URL it ends on: only the answer to this very request
 * (its `state`), from the silent-callback page of this origin in this iframe.
 * @param {string} url the authorization URL (prompt=none, redirect_uri = the silent-callback page)
 * @param {number} timeoutMs
 * @returns {Promise<string>}
 */
export function runSilentLogin(url: string, timeoutMs: number): Promise<string>;
/**
 * @file A silent `prompt=none` login in a hidden iframe: Keycloak answers at once from its SSO session cookie, with a code
 * or with `login_required`, to the app's silent-callback page, which posts its URL back (silent-callback.js). Nothing to
 * click, and the page keeps its state. (Like keycloak-js's check-sso. Where the browser blocks Keycloak's cookies in an
 * iframe, e.g. Keycloak on another site with third-party cookies off, the answer is `login_required`.)
 */
export const CALLBACK_MESSAGE: "silent-refresh:callback";
/** How long a page waits for the iframe's answer (Keycloak answers a prompt=none request at once). */
export const SILENT_LOGIN_TIMEOUT_MS: 8000;
