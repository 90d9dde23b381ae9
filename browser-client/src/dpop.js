// @ts-check
/**
 * @file DPoP (RFC 9449): one ECDSA P-256 key pair per browser and client, generated NON-extractable by WebCrypto and kept
 * as a `CryptoKey` object in IndexedDB (which stores the object, not its bytes), and the proof JWTs it signs. A script can
 * use the key while it runs in this origin, but cannot copy it elsewhere: a refresh token bound to it is useless to a thief.
 */
import { base64UrlEncode, randomUrlSafe } from './jwt.js'

/**
 * @typedef {object} DpopKey
 * @property {CryptoKeyPair} keyPair
 * @property {{ kty: string, crv: string, x: string, y: string }} publicJwk
 * @property {string} thumbprint RFC 7638 SHA-256 thumbprint of the public key (the `cnf.jkt` of bound tokens)
 */

/**
 * Loads the key pair stored under `id`, or makes and stores a new one.
 * @param {import('./idb.js').KeyValueStore} keys
 * @param {string} id
 * @returns {Promise<DpopKey>}
 */
export async function loadOrCreateDpopKey (keys, id) {
  let keyPair = /** @type {CryptoKeyPair|undefined} */ (await keys.get(id))
  if (keyPair == null || keyPair.privateKey?.extractable !== false) {
    keyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
    await keys.put(id, keyPair)
  }
  const jwk = await crypto.subtle.exportKey('jwk', keyPair.publicKey)
  const publicJwk = { kty: String(jwk.kty), crv: String(jwk.crv), x: String(jwk.x), y: String(jwk.y) }
  return { keyPair, publicJwk, thumbprint: await jwkThumbprint(publicJwk) }
}

/**
 * RFC 7638 thumbprint of an EC public key: SHA-256 over the required members in lexicographic order.
 * @param {{ crv: string, kty: string, x: string, y: string }} jwk
 */
export async function jwkThumbprint (jwk) {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })
  return base64UrlEncode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical))))
}

/**
 * A DPoP proof JWT (RFC 9449 §4.2) for one request.
 * @param {DpopKey} key
 * @param {{ htm: string, htu: string, accessToken?: string|null, nonce?: string|null, now?: number }} request
 *   `htu` without query and fragment; `accessToken` adds `ath` (for resource requests)
 */
export async function createDpopProof (key, request) {
  const url = new URL(request.htu)
  url.search = ''
  url.hash = ''
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk }
  /** @type {Record<string, string|number>} */
  const payload = {
    jti: randomUrlSafe(16),
    htm: request.htm.toUpperCase(),
    htu: url.toString(),
    iat: Math.floor((request.now ?? Date.now()) / 1000)
  }
  if (request.accessToken) {
    payload.ath = base64UrlEncode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(request.accessToken))))
  }
  if (request.nonce) payload.nonce = request.nonce
  const encoder = new TextEncoder()
  const signingInput = `${base64UrlEncode(encoder.encode(JSON.stringify(header)))}.${base64UrlEncode(encoder.encode(JSON.stringify(payload)))}`
  // WebCrypto's ECDSA signature is r||s (IEEE P1363), exactly the JWS form (RFC 7518 §3.4)
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.keyPair.privateKey, encoder.encode(signingInput))
  return `${signingInput}.${base64UrlEncode(new Uint8Array(signature))}`
}
