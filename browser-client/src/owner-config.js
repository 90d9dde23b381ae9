// @ts-check
/**
 * @file The configuration a page hands to the token owner, checked. The first page's configuration counts; a later page
 * must name the same client (issuer, client id, DPoP or not), or it is refused.
 */
import { DEFAULT_REQUEST_TIMEOUT_MS } from './refresh-policy.js'

/**
 * @typedef {object} OwnerConfig
 * @property {string} issuer
 * @property {string} clientId
 * @property {string} scope
 * @property {number} graceSeconds the server's grace window for a retried refresh (refresh-token-rotation's grace-period-seconds)
 * @property {number} refreshLeadSeconds
 * @property {boolean} proactiveRefresh
 * @property {boolean} dpop bind tokens to a DPoP key
 * @property {boolean} boundTokenRetry with dpop: the server lets the consumed token of a bound family come again at any time
 * @property {number} requestTimeoutMs
 */

/**
 * @param {any} config what a page sent
 * @param {OwnerConfig|null} current the configuration in force, if any
 * @returns {OwnerConfig}
 */
export function ownerConfig (config, current) {
  if (config == null || typeof config.issuer !== 'string' || typeof config.clientId !== 'string') throw new Error('bad configuration')
  if (current != null) {
    if (config.issuer !== current.issuer || config.clientId !== current.clientId || (config.dpop === true) !== current.dpop) {
      throw new Error('another page configured this owner for a different client')
    }
    return current
  }
  const dpop = config.dpop === true
  return {
    issuer: config.issuer,
    clientId: config.clientId,
    scope: typeof config.scope === 'string' ? config.scope : 'openid profile email',
    graceSeconds: Number.isFinite(config.graceSeconds) && config.graceSeconds >= 0 ? config.graceSeconds : 0,
    refreshLeadSeconds: Number.isFinite(config.refreshLeadSeconds) ? config.refreshLeadSeconds : 15,
    proactiveRefresh: config.proactiveRefresh !== false,
    dpop,
    boundTokenRetry: dpop && config.boundTokenRetry === true,
    requestTimeoutMs: Number.isFinite(config.requestTimeoutMs) ? config.requestTimeoutMs : DEFAULT_REQUEST_TIMEOUT_MS
  }
}
