// @ts-check
/**
 * @file A silent `prompt=none` login in a hidden iframe: Keycloak answers at once from its SSO session cookie, with a code
 * or with `login_required`, to the app's silent-callback page, which hands a code to the token owner and tells this page
 * the outcome, or posts an answer without a code back (frame-callback.js). Nothing to click, and the page keeps its state.
 * (Like keycloak-js's check-sso. Where the browser blocks Keycloak's cookies in an iframe, e.g. Keycloak on another site
 * with third-party cookies off, the answer is `login_required`.)
 */

export const CALLBACK_MESSAGE = 'silent-refresh:callback'
/** How long a page waits for the iframe's answer (Keycloak answers a prompt=none request at once). */
export const SILENT_LOGIN_TIMEOUT_MS = 8000
/** How long the callback page waits for the owner's code exchange (it may wait behind a refresh), and the page for it. */
export const OWNER_EXCHANGE_WAIT_MS = 15_000

/**
 * What the iframe's callback page answered: Keycloak's answer itself when it holds no code (or where no SharedWorker
 * exists), or what the token owner made of a code the page never saw.
 * @typedef {{ href: string, outcome?: undefined }
 *   | { href?: undefined, outcome: import('./frame-callback.js').CallbackOutcome }} SilentAnswer
 */

/**
 * Loads `url` in a hidden iframe and resolves with the answer of its callback page: only the answer to this very request
 * (its `state`), from the silent-callback page of this origin in this iframe.
 * @param {string} url the authorization URL (prompt=none, redirect_uri = the silent-callback page)
 * @param {number} timeoutMs
 * @param {string} [frameName] where the callback page finds the token owner (frame-callback.js)
 * @returns {Promise<SilentAnswer>}
 */
export function runSilentLogin (url, timeoutMs, frameName = '') {
  const state = new URL(url).searchParams.get('state')
  return new Promise((resolve, reject) => {
    const iframe = document.createElement('iframe')
    iframe.hidden = true
    iframe.title = 'silent login'
    iframe.name = frameName
    iframe.setAttribute('aria-hidden', 'true')
    /** @param {MessageEvent} event */
    const onMessage = (event) => {
      if (event.origin !== location.origin || event.source !== iframe.contentWindow) return
      const data = event.data
      if (data?.type !== CALLBACK_MESSAGE || data.state !== state) return
      if (data.received === true) {
        // the answer came with a code, which the callback page hands to the owner: wait for that exchange
        clearTimeout(timer)
        timer = setTimeout(fail, OWNER_EXCHANGE_WAIT_MS + 1000)
        return
      }
      if (typeof data.href === 'string' && new URL(data.href).searchParams.get('state') === state) {
        done()
        resolve({ href: data.href })
      } else if (data.outcome != null && typeof data.outcome === 'object') {
        done()
        resolve({ outcome: data.outcome })
      }
    }
    const fail = () => { done(); reject(new Error('timeout')) }
    let timer = setTimeout(fail, timeoutMs)
    const done = () => {
      clearTimeout(timer)
      window.removeEventListener('message', onMessage)
      iframe.remove()
    }
    window.addEventListener('message', onMessage)
    iframe.src = url
    document.body.append(iframe)
  })
}
