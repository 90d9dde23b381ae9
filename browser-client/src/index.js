// @ts-check
/**
 * @file keycloak-silent-refresh: a browser OpenID Connect client for Keycloak that refreshes silently under refresh-token
 * rotation. The refresh token lives only in a worker (the token owner); pages get access tokens.
 *
 *     import { SilentRefreshClient } from './silent-refresh/index.js'
 *     const client = new SilentRefreshClient({ issuer: 'http://localhost:8080/realms/demo', clientId: 'demo-spa', graceSeconds: 10 })
 *     client.addEventListener('session-ended', (e) => showLogin(e.detail.reason))
 *     if (await client.init()) render(await (await client.fetch('/api/me')).json())
 *     else loginButton.onclick = () => client.login()
 */
export { SilentRefreshClient } from './client.js'
export {
  SilentRefreshError, SessionEndedError, RefreshUnavailableError, RefreshFailedError, TokenRejectedError
} from './errors.js'
export { isInvalidTokenChallenge, parseWwwAuthenticate } from './www-authenticate.js'
export { decodeJwtPayload } from './jwt.js'
