// @ts-check
/**
 * @file The options of a {@link import('./client.js').SilentRefreshClient}, checked and with their defaults.
 */

/**
 * @param {import('./client-types.js').SilentRefreshOptions} options
 */
export function clientOptions (options) {
  for (const name of /** @type {const} */ (['issuer', 'clientId'])) {
    if (typeof options?.[name] !== 'string' || options[name] === '') throw new TypeError(`options.${name} must be a non-empty string`)
  }
  return Object.freeze({
    issuer: options.issuer.replace(/\/+$/, ''),
    clientId: options.clientId,
    redirectUri: options.redirectUri ?? `${location.origin}/`,
    scope: options.scope ?? 'openid profile email',
    graceSeconds: options.graceSeconds ?? 0,
    refreshLeadSeconds: options.refreshLeadSeconds ?? 15,
    proactiveRefresh: options.proactiveRefresh ?? true,
    dpop: options.dpop ?? false,
    boundTokenRetry: options.boundTokenRetry ?? false,
    workerUrl: options.workerUrl ?? new URL('./owner-worker.js', import.meta.url),
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis)
  })
}
