/**
 * Parses a `WWW-Authenticate` header (RFC 9110 §11.6.1 / RFC 6750 §3) into challenges. Scheme and
 * parameter names are lower-cased (they are case-insensitive); quoted-string values are unescaped.
 * Parsing stops at the first syntax error and returns what was understood until then.
 * @param {string|null|undefined} header
 * @returns {AuthChallenge[]}
 */
export function parseWwwAuthenticate(header: string | null | undefined): AuthChallenge[];
/**
 * True for a 401 whose `WWW-Authenticate` has a Bearer or DPoP challenge with `error="invalid_token"`: the only answer for
 * which a new access token can help. Not for 400, 403, 503, nor for a 401 without that error.
 * @param {{ status: number, headers: { get(name: string): string|null } }} response
 */
export function isInvalidTokenChallenge(response: {
    status: number;
    headers: {
        get(name: string): string | null;
    };
}): boolean;
/**
 * True for a 401 asking for a DPoP proof with a server nonce (RFC 9449 §9: `DPoP error="use_dpop_nonce"`).
 * @param {{ status: number, headers: { get(name: string): string|null } }} response
 */
export function isDpopNonceChallenge(response: {
    status: number;
    headers: {
        get(name: string): string | null;
    };
}): boolean;
export type AuthChallenge = {
    scheme: string;
    params: Record<string, string>;
    token68: string | null;
};
