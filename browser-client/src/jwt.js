// @ts-check
/**
 * @file Reading JWT payloads for display and bookkeeping (never for trust decisions), and base64url.
 */

/**
 * Decodes the payload of a compact JWS (base64url, UTF-8 JSON object). Does NOT verify anything.
 * @param {string} jwt
 * @returns {Record<string, any>}
 * @throws {TypeError} with a message starting "Invalid JWT:" when the input is not a JWT.
 */
export function decodeJwtPayload (jwt) {
  if (typeof jwt !== 'string') throw new TypeError('Invalid JWT: expected a string')
  const parts = jwt.split('.')
  if (parts.length !== 3) throw new TypeError(`Invalid JWT: expected 3 dot-separated parts, got ${parts.length}`)
  let text
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(base64UrlDecode(parts[1]))
  } catch {
    throw new TypeError('Invalid JWT: the payload is not base64url-encoded UTF-8')
  }
  /** @type {unknown} */
  let payload
  try {
    payload = JSON.parse(text)
  } catch {
    throw new TypeError('Invalid JWT: the payload is not JSON')
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new TypeError('Invalid JWT: the payload is not a JSON object')
  }
  return /** @type {Record<string, any>} */ (payload)
}

/**
 * Like {@link decodeJwtPayload}, but null instead of an exception.
 * @param {string|null|undefined} jwt
 * @returns {Record<string, any>|null}
 */
export function safeDecodeJwtPayload (jwt) {
  if (typeof jwt !== 'string') return null
  try {
    return decodeJwtPayload(jwt)
  } catch {
    return null
  }
}

/**
 * The refresh token's family and generation (`rtr_fam`, `rtr_gen`, stamped by the refresh-token-rotation executor), for display.
 * @param {string|null|undefined} refreshToken
 * @returns {{ generation: number|null, family: string|null }}
 */
export function rotationInfoOf (refreshToken) {
  const claims = safeDecodeJwtPayload(refreshToken)
  const gen = claims?.rtr_gen
  const generation = typeof gen === 'number' ? gen : (typeof gen === 'string' && /^\d+$/.test(gen) ? Number(gen) : null)
  return { generation, family: typeof claims?.rtr_fam === 'string' ? claims.rtr_fam : null }
}

/**
 * @param {Uint8Array} bytes
 * @returns {string} base64url without padding
 */
export function base64UrlEncode (bytes) {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * @param {string} text base64url, padding optional
 * @returns {Uint8Array}
 * @throws {TypeError} when `text` is not base64url
 */
export function base64UrlDecode (text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new TypeError('not base64url')
  }
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - text.length % 4) % 4))
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/**
 * `bytes` random bytes from `crypto.getRandomValues`, base64url.
 * @param {number} [bytes]
 */
export function randomUrlSafe (bytes = 16) {
  const buffer = new Uint8Array(bytes)
  crypto.getRandomValues(buffer)
  return base64UrlEncode(buffer)
}
