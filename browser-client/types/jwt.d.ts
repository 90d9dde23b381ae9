/**
 * @file Reading JWT payloads for display and bookkeeping (never for trust decisions), and base64url.
 */
/**
 * Decodes the payload of a compact JWS (base64url, UTF-8 JSON object). Does NOT verify anything.
 * @param {string} jwt
 * @returns {Record<string, any>}
 * @throws {TypeError} with a message starting "Invalid JWT:" when the input is not a JWT.
 */
export function decodeJwtPayload(jwt: string): Record<string, any>;
/**
 * Like {@link decodeJwtPayload}, but null instead of an exception.
 * @param {string|null|undefined} jwt
 * @returns {Record<string, any>|null}
 */
export function safeDecodeJwtPayload(jwt: string | null | undefined): Record<string, any> | null;
/**
 * The refresh token's family and generation (`rtr_fam`, `rtr_gen`, stamped by the refresh-token-rotation executor), for display.
 * @param {string|null|undefined} refreshToken
 * @returns {{ generation: number|null, family: string|null }}
 */
export function rotationInfoOf(refreshToken: string | null | undefined): {
    generation: number | null;
    family: string | null;
};
/**
 * @param {Uint8Array} bytes
 * @returns {string} base64url without padding
 */
export function base64UrlEncode(bytes: Uint8Array): string;
/**
 * @param {string} text base64url, padding optional
 * @returns {Uint8Array}
 * @throws {TypeError} when `text` is not base64url
 */
export function base64UrlDecode(text: string): Uint8Array;
/**
 * `bytes` random bytes from `crypto.getRandomValues`, base64url.
 * @param {number} [bytes]
 */
export function randomUrlSafe(bytes?: number): string;
