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
export function tokenSetFromResponse(body: any, sentAt: number, version: number, previous: TokenSet | null, sentAtMono?: number | null): TokenSet;
/**
 * When the proactive refresh is due: `lead = min(leadSeconds, lifetime / 3)` before the access token expires, at least
 * {@link MIN_REFRESH_DELAY_MS} after it arrived, and before the refresh token expires.
 * @param {Pick<TokenSet, 'sentAt'|'expiresIn'|'refreshTokenExpiresAt'>} tokens
 * @param {number} [leadSeconds]
 * @returns {number} local epoch ms
 */
export function refreshDueAt(tokens: Pick<TokenSet, "sentAt" | "expiresIn" | "refreshTokenExpiresAt">, leadSeconds?: number): number;
/**
 * True when the access token has less than `minValiditySeconds` left, counted from `expires_in` and the token's age.
 * @param {Pick<TokenSet, 'sentAt'|'sentAtMono'|'expiresIn'>} tokens
 * @param {number} minValiditySeconds
 * @param {import('./refresh-machine.js').Instant} now
 */
export function needsRefresh(tokens: Pick<TokenSet, "sentAt" | "sentAtMono" | "expiresIn">, minValiditySeconds: number, now: import("./refresh-machine.js").Instant): boolean;
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
export function accessTokenView(tokens: TokenSet, owner: string): AccessTokenView;
/** The proactive refresh never starts later than this before expiry, and never earlier than a third of the lifetime before it. */
export const DEFAULT_REFRESH_LEAD_SECONDS: 15;
/** A proactive refresh is never due sooner than this after the tokens arrived: a tiny lifetime cannot become a loop. */
export const MIN_REFRESH_DELAY_MS: 1000;
export type TokenSet = {
    accessToken: string;
    tokenType: "Bearer" | "DPoP";
    refreshToken: string;
    idToken: string | null;
    /**
     * `sub` of the ID token (or access token): must never change within a session.
     */
    subject: string | null;
    /**
     * Local epoch ms the token request was sent.
     */
    sentAt: number;
    /**
     * Monotonic ms the token request was sent (null: unknown).
     */
    sentAtMono: number | null;
    /**
     * `expires_in` (s).
     */
    expiresIn: number;
    /**
     * `sentAt + expires_in`.
     */
    accessTokenExpiresAt: number;
    /**
     * From `refresh_expires_in`; null when unlimited or unknown.
     */
    refreshTokenExpiresAt: number | null;
    /**
     * Increases by one with every token set the owner installs; pages order sets by it, never by time.
     */
    version: number;
};
/**
 * What pages may see of a token set: the access token and non-secret facts, never the refresh token or the ID token.
 */
export type AccessTokenView = {
    /**
     * the id of the owner that issued `version` (a restarted owner counts versions anew)
     */
    owner: string;
    version: number;
    accessToken: string;
    tokenType: "Bearer" | "DPoP";
    accessTokenExpiresAt: number;
    refreshTokenExpiresAt: number | null;
    expiresIn: number;
    /**
     * `rtr_gen` of the refresh token, for display
     */
    generation: number | null;
    /**
     * `rtr_fam` of the refresh token, for display
     */
    family: string | null;
    /**
     * decoded, for display
     */
    idTokenClaims: Record<string, any> | null;
};
