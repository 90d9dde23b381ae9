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
export function ownerConfig(config: any, current: OwnerConfig | null): OwnerConfig;
export type OwnerConfig = {
    issuer: string;
    clientId: string;
    scope: string;
    /**
     * the server's grace window for a retried refresh (refresh-token-rotation's grace-period-seconds)
     */
    graceSeconds: number;
    refreshLeadSeconds: number;
    proactiveRefresh: boolean;
    /**
     * bind tokens to a DPoP key
     */
    dpop: boolean;
    /**
     * with dpop: the server lets the consumed token of a bound family come again at any time
     */
    boundTokenRetry: boolean;
    requestTimeoutMs: number;
};
