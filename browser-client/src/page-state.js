// @ts-check
/**
 * @file What a page remembers between loads, none of it a token: a "this browser had a session" marker (localStorage), so
 * a new tab asks Keycloak silently instead of showing the login screen; a "top-level silent login tried" marker
 * (sessionStorage), so the cookie-blocking fallback redirects at most once per tab; and the authorization response's
 * parameters, removed from the address bar whatever happens to the callback.
 */

const CALLBACK_PARAMS = ['code', 'state', 'session_state', 'iss', 'error', 'error_description', 'error_uri']

/** @param {string} clientId */
export function hadSession (clientId) {
  try {
    return localStorage.getItem(`silent-refresh:${clientId}:had-session`) === '1'
  } catch {
    return false
  }
}

/**
 * @param {string} clientId
 * @param {boolean} value
 */
export function rememberSession (clientId, value) {
  try {
    if (value) localStorage.setItem(`silent-refresh:${clientId}:had-session`, '1')
    else localStorage.removeItem(`silent-refresh:${clientId}:had-session`)
  } catch {}
}

/**
 * Whether this tab may still try the top-level `prompt=none` redirect (once; sessionStorage survives the redirect), and
 * marks it tried.
 * @param {string} clientId
 */
export function takeTopLevelAttempt (clientId) {
  const key = `silent-refresh:${clientId}:top-level-check`
  try {
    if (sessionStorage.getItem(key) === '1') return false
    sessionStorage.setItem(key, '1')
    return true
  } catch {
    return false // without sessionStorage a redirect could loop: never try
  }
}

/** @param {string} clientId a session was installed: a later loss of it may try the redirect again */
export function resetTopLevelAttempt (clientId) {
  try { sessionStorage.removeItem(`silent-refresh:${clientId}:top-level-check`) } catch {}
}

/**
 * The same-origin path to show after a callback, without the authorization response's parameters.
 * @param {unknown} returnTo
 * @param {Location|URL} here
 */
export function cleanPath (returnTo, here) {
  const base = typeof returnTo === 'string' && returnTo.startsWith('/') && !returnTo.startsWith('//') ? returnTo : here.pathname + here.search + here.hash
  const url = new URL(base, here.origin)
  for (const name of CALLBACK_PARAMS) url.searchParams.delete(name)
  return url.pathname + url.search + url.hash
}

/** This page's path, query and fragment: where a login returns to. */
export function currentPath () {
  return location.pathname + location.search + location.hash
}
