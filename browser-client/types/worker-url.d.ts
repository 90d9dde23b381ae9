/**
 * @param {string|URL} url
 * @returns {any} a TrustedScriptURL where Trusted Types exist, else the URL
 */
export function workerScriptUrl(url: string | URL): any;
/**
 * The absolute URL of a script of this origin, or an error: the owner's script must come from the app itself (not a
 * `blob:` or `data:` URL another script made up, nor another origin).
 * @param {string} value
 * @param {string} base the document's URL
 */
export function sameOriginScript(value: string, base: string): string;
