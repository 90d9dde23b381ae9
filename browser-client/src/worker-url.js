// @ts-check
/**
 * @file The token owner's script URL as the browser wants it. Under Trusted Types (`require-trusted-types-for 'script'`) a
 * worker's URL must come through a policy; this one, `silent-refresh` (to be allowed by a `trusted-types` directive if the
 * app lists policies), passes http(s) URLs of this origin only. Pages (owner-link.js) and the silent-callback page
 * (frame-callback.js) start or reach the owner through it.
 */

/** @type {any} the policy, made once per document */
let scriptPolicy = null

/**
 * @param {string|URL} url
 * @returns {any} a TrustedScriptURL where Trusted Types exist, else the URL
 */
export function workerScriptUrl (url) {
  const trustedTypes = /** @type {any} */ (globalThis).trustedTypes
  if (trustedTypes == null || typeof trustedTypes.createPolicy !== 'function') return url
  scriptPolicy ??= trustedTypes.createPolicy('silent-refresh', {
    createScriptURL: (/** @type {string} */ value) => sameOriginScript(value, globalThis.location?.href ?? '')
  })
  return scriptPolicy.createScriptURL(String(url))
}

/**
 * The absolute URL of a script of this origin, or an error: the owner's script must come from the app itself (not a
 * `blob:` or `data:` URL another script made up, nor another origin).
 * @param {string} value
 * @param {string} base the document's URL
 */
export function sameOriginScript (value, base) {
  const parsed = new URL(value, base)
  if (parsed.origin !== new URL(base).origin || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new TypeError('the token owner\'s script must come from this origin')
  }
  return parsed.href
}
