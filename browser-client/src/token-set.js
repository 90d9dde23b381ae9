// @ts-check
/**
 * @file A token set as the owner holds it, built from a token response, and when it is due for a refresh.
 * Lifetimes are counted from the local time the request was SENT plus `expires_in`, never from `exp` against `Date.now()`:
 * a client clock that is off by hours does not matter, and the receipt time is conservative. A token's age is the larger
 * of its monotonic and its wall-clock age, so neither a sleep nor a clock set back makes an expired token look fresh.
 */
import { rotationInfoOf, safeDecodeJwtPayload } from './jwt.js'

/** The proactive refresh never starts later than this before expiry, and never earlier than a third of the lifetime before it. */
export const DEFAULT_REFRESH_LEAD_SECONDS = 15
/** A proactive refresh is never due sooner than this after the tokens arrived: a tiny lifetime cannot become a loop. */
export const MIN_REFRESH_DELAY_MS = 1000

/**
 * @typedef {object} TokenSet
 * @property {string} accessToken
 * @property {'Bearer'|'DPoP'} tokenType
 * @property {string} refreshToken
 * @property {string|null} idToken
 * @property {string|null} subject `sub` of the ID token (or access token): must never change within a session.
 * @property {number} sentAt Local epoch ms the token request was sent.
 * @property {number|null} sentAtMono Monotonic ms the token request was sent (null: unknown).
 * @property {number} expiresIn `expires_in` (s).
 * @property {number} accessTokenExpiresAt `sentAt + expires_in`.
 * @property {number|null} refreshTokenExpiresAt From `refresh_expires_in`; null when unlimited or unknown.
 * @property {number} version Increases by one with every token set the owner installs; pages order sets by it, never by time.
 */

/**
 * @param {any} body A 200 token response.
 * @param {number} sentAt Local time the request was sent.
 * @param {number} version
 * @param {TokenSet|null} previous The set that was refreshed, if any (Keycloak always returns a refresh token, others may not).
 * @param {number|null} [sentAtMono] Monotonic time the request was sent.
 * @returns {TokenSet}
 * @throws {Error} when the response lacks what a session needs
 */
export function tokenSetFromResponse (body, sentAt, version, previous, sentAtMono = null) {
  if (body == null || typeof body !== 'object') throw new Error('the token response is not a JSON object')
  const accessToken = body.access_token
  if (typeof accessToken !== 'string' || accessToken === '') throw new Error('no access_token in the token response')
  const refreshToken = typeof body.refresh_token === 'string' && body.refresh_token !== '' ? body.refresh_token : previous?.refreshToken
  if (typeof refreshToken !== 'string') throw new Error('no refresh_token in the token response')
  const type = typeof body.token_type === 'string' ? body.token_type.toLowerCase() : 'bearer'
  if (type !== 'bearer' && type !== 'dpop') throw new Error(`unsupported token_type ${body.token_type}`)
  let expiresIn = Number(body.expires_in)
  if (!Number.isFinite(expiresIn) || expiresIn <= 0) expiresIn = lifetimeOf(accessToken) ?? 60
  const refreshExpiresIn = Number(body.refresh_expires_in)
  const idToken = typeof body.id_token === 'string' ? body.id_token : previous?.idToken ?? null
  const subject = safeDecodeJwtPayload(idToken)?.sub ?? safeDecodeJwtPayload(accessToken)?.sub ?? previous?.subject ?? null
  return {
    accessToken,
    tokenType: type === 'dpop' ? 'DPoP' : 'Bearer',
    refreshToken,
    idToken,
    subject: typeof subject === 'string' ? subject : null,
    sentAt,
    sentAtMono,
    expiresIn,
    accessTokenExpiresAt: sentAt + expiresIn * 1000,
    // 0 means "no expiry" in Keycloak (offline tokens)
    refreshTokenExpiresAt: Number.isFinite(refreshExpiresIn) && refreshExpiresIn > 0 ? sentAt + refreshExpiresIn * 1000 : null,
    version
  }
}

/**
 * `exp - iat` of a JWT (a duration, so clock skew does not matter), or null.
 * @param {string} jwt
 */
function lifetimeOf (jwt) {
  const claims = safeDecodeJwtPayload(jwt)
  return claims && typeof claims.exp === 'number' && typeof claims.iat === 'number' && claims.exp > claims.iat
    ? claims.exp - claims.iat
    : null
}

/**
 * When the proactive refresh is due: `lead = min(leadSeconds, lifetime / 3)` before the access token expires, at least
 * {@link MIN_REFRESH_DELAY_MS} after it arrived, and before the refresh token expires.
 * @param {Pick<TokenSet, 'sentAt'|'expiresIn'|'refreshTokenExpiresAt'>} tokens
 * @param {number} [leadSeconds]
 * @returns {number} local epoch ms
 */
export function refreshDueAt (tokens, leadSeconds = DEFAULT_REFRESH_LEAD_SECONDS) {
  const lifetime = Number.isFinite(tokens.expiresIn) && tokens.expiresIn > 0 ? tokens.expiresIn : 0
  const lead = Math.min(Number.isFinite(leadSeconds) && leadSeconds > 0 ? leadSeconds : 0, lifetime / 3)
  let due = tokens.sentAt + Math.max(MIN_REFRESH_DELAY_MS, Math.round((lifetime - lead) * 1000))
  if (tokens.refreshTokenExpiresAt != null) due = Math.min(due, tokens.refreshTokenExpiresAt - 5000)
  return due
}

/**
 * True when the access token has less than `minValiditySeconds` left, counted from `expires_in` and the token's age.
 * @param {Pick<TokenSet, 'sentAt'|'sentAtMono'|'expiresIn'>} tokens
 * @param {number} minValiditySeconds
 * @param {import('./refresh-machine.js').Instant} now
 */
export function needsRefresh (tokens, minValiditySeconds, now) {
  const age = Math.max(now.wall - tokens.sentAt, tokens.sentAtMono == null ? -Infinity : now.mono - tokens.sentAtMono)
  return age >= (tokens.expiresIn - Math.max(0, minValiditySeconds)) * 1000
}

/**
 * What pages may see of a token set: the access token and non-secret facts, never the refresh token or the ID token.
 * @typedef {object} AccessTokenView
 * @property {string} owner the id of the owner that issued `version` (a restarted owner counts versions anew)
 * @property {number} version
 * @property {string} accessToken
 * @property {'Bearer'|'DPoP'} tokenType
 * @property {number} accessTokenExpiresAt
 * @property {number|null} refreshTokenExpiresAt
 * @property {number} expiresIn
 * @property {number|null} generation `rtr_gen` of the refresh token, for display
 * @property {string|null} family `rtr_fam` of the refresh token, for display
 * @property {Record<string, any>|null} idTokenClaims decoded, for display
 */

/**
 * @param {TokenSet} tokens
 * @param {string} owner
 * @returns {AccessTokenView}
 */
export function accessTokenView (tokens, owner) {
  const { generation, family } = rotationInfoOf(tokens.refreshToken)
  return {
    owner,
    version: tokens.version,
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType,
    accessTokenExpiresAt: tokens.accessTokenExpiresAt,
    refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
    expiresIn: tokens.expiresIn,
    generation,
    family,
    idTokenClaims: safeDecodeJwtPayload(tokens.idToken)
  }
}
