export { SilentRefreshClient } from "./client.js";
export { decodeJwtPayload } from "./jwt.js";
export { SilentRefreshError, SessionEndedError, RefreshUnavailableError, RefreshFailedError, TokenRejectedError } from "./errors.js";
export { isInvalidTokenChallenge, parseWwwAuthenticate } from "./www-authenticate.js";
