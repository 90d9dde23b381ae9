/**
 * @file The options of a {@link import('./client.js').SilentRefreshClient}, checked and with their defaults.
 */
/**
 * @param {import('./client-types.js').SilentRefreshOptions} options
 */
export function clientOptions(options: import("./client-types.js").SilentRefreshOptions): Readonly<{
    issuer: string;
    clientId: string;
    redirectUri: string;
    scope: string;
    graceSeconds: number;
    refreshLeadSeconds: number;
    proactiveRefresh: boolean;
    dpop: boolean;
    boundTokenRetry: boolean;
    workerUrl: string | URL;
    fetch: typeof fetch;
}>;
