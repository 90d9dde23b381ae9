// @ts-check
/**
 * @file The token owner's requests: what each message a page sends (owner-ports.js) asks of the owner (owner.js), its refresh
 * run (refresh-run.js) and its logins (login-flow.js), and the answer that goes back. Apps that serve the owner with hooks
 * add request types of their own (`OwnerHooks.handlers`).
 */
import { RefreshFailedError } from './errors.js'
import { instantOf } from './refresh-machine.js'
import { needsRefresh } from './token-set.js'

/**
 * @typedef {object} OwnerRequestDeps
 * @property {import('./owner.js').TokenOwner} owner
 * @property {import('./refresh-run.js').RefreshRun} refresh
 * @property {import('./login-flow.js').LoginFlow} login
 * @property {import('./refresh-machine.js').Clock} clock
 * @property {(config: any) => void} configure takes a page's configuration
 * @property {Record<string, (message: any, owner: import('./owner.js').TokenOwner) => Promise<any>>} handlers extra request types
 */

/**
 * The answer to one request of a page.
 * @param {OwnerRequestDeps} d
 * @param {any} message
 * @returns {Promise<any>}
 */
export async function handleOwnerRequest (d, message) {
  const { owner, refresh, login } = d
  if (message.type === 'configure') {
    d.configure(message.config)
    return owner.status()
  }
  if (owner.config == null) throw new Error('the owner is not configured yet')
  switch (message.type) {
    case 'status': return owner.status()
    case 'token': return owner.view(await ensureFresh(d, Number(message.minValidity ?? 5)))
    case 'rejected': return owner.view(await refresh.afterRejection(Number(message.version), message.accepted === true))
    case 'accepted': return refresh.accepted(Number(message.version), message.owner ?? owner.id)
    case 'refresh': return owner.view(await refresh.now('refresh requested', true, seenVersion(owner, message)))
    case 'proof': return proof(owner, message)
    case 'begin-login': return login.beginFor(message)
    case 'callback': return login.callback(String(message.href))
    case 'frame-callback': return login.frameCallback(String(message.href))
    case 'silent-login-failed': return login.settleSilent(String(message.state), { error: String(message.error ?? 'failed') })
    case 'logout': return login.logout()
    case 'verify': return refresh.verify(message.hint).then(() => owner.status())
    default: {
      if (!Object.hasOwn(d.handlers, message.type)) throw new Error(`unknown request ${message.type}`)
      return d.handlers[message.type](message, owner)
    }
  }
}

/**
 * A token valid for `minValidity` seconds. A wish above half the lifetime is clamped to half of it: a 60 s token cannot
 * be valid for 120 s, and refreshing on every call would only burn the token endpoint (and trip the probe gap).
 * @param {OwnerRequestDeps} d
 * @param {number} minValidity
 * @returns {Promise<import('./token-set.js').TokenSet>}
 */
async function ensureFresh (d, minValidity) {
  const tokens = d.owner.tokens
  if (tokens == null) throw d.owner.endedError()
  const wanted = Number.isFinite(minValidity) ? Math.max(0, minValidity) : 5
  const effective = Math.min(wanted, tokens.expiresIn / 2)
  if (!needsRefresh(tokens, effective, instantOf(d.clock))) return tokens
  return d.refresh.now('a page needs a token')
}

/**
 * The version of this owner's token the page had when it asked (null: unknown, or a former owner's).
 * @param {import('./owner.js').TokenOwner} owner
 * @param {any} message
 */
function seenVersion (owner, message) {
  const id = message.owner ?? owner.id
  return id === owner.id && Number.isInteger(message.version) ? message.version : null
}

/**
 * A DPoP proof for a page's API request with the current access token.
 * @param {import('./owner.js').TokenOwner} owner
 * @param {any} message
 */
async function proof (owner, message) {
  const tokens = owner.tokens
  if (tokens == null) throw owner.endedError()
  if (owner.config?.dpop !== true || tokens.tokenType !== 'DPoP') return { proof: null }
  if (Number(message.version) !== tokens.version) throw new RefreshFailedError('the access token changed; ask for the new one', 0, null)
  const nonce = typeof message.nonce === 'string' ? message.nonce : null
  return { proof: await owner.dpopProof(String(message.htm), String(message.htu), tokens.accessToken, nonce) }
}
