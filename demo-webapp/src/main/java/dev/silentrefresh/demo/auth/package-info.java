/**
 * Bearer-token authentication for the API (RFC 6750): a resolver that finds the token, a verifier that checks it against
 * Keycloak's keys, a cache of verified tokens, an error writer, and the filter that ties them together.
 */
package dev.silentrefresh.demo.auth;
