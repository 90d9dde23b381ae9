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
export function loadOrCreateDpopKey(keys: import("./idb.js").KeyValueStore, id: string): Promise<DpopKey>;
/**
 * RFC 7638 thumbprint of an EC public key: SHA-256 over the required members in lexicographic order.
 * @param {{ crv: string, kty: string, x: string, y: string }} jwk
 */
export function jwkThumbprint(jwk: {
    crv: string;
    kty: string;
    x: string;
    y: string;
}): Promise<string>;
/**
 * A DPoP proof JWT (RFC 9449 §4.2) for one request.
 * @param {DpopKey} key
 * @param {{ htm: string, htu: string, accessToken?: string|null, nonce?: string|null, now?: number }} request
 *   `htu` without query and fragment; `accessToken` adds `ath` (for resource requests)
 */
export function createDpopProof(key: DpopKey, request: {
    htm: string;
    htu: string;
    accessToken?: string | null;
    nonce?: string | null;
    now?: number;
}): Promise<string>;
export type DpopKey = {
    keyPair: CryptoKeyPair;
    publicJwk: {
        kty: string;
        crv: string;
        x: string;
        y: string;
    };
    /**
     * RFC 7638 SHA-256 thumbprint of the public key (the `cnf.jkt` of bound tokens)
     */
    thumbprint: string;
};
