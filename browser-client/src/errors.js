// @ts-check
/**
 * @file The errors the client rejects with. Each has a stable `code`; `message` is for people.
 * Errors cross from the token owner (a worker) to pages as `{ code, message, ... }` and are rebuilt here.
 */

/** Base class of every error of this library. */
export class SilentRefreshError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {{ cause?: unknown }} [options]
   */
  constructor (code, message, options) {
    super(message, options)
    this.name = 'SilentRefreshError'
    /** @type {string} */
    this.code = code
  }
}

/** The session is over (the refresh token was refused with invalid_grant, or the user logged out): log in again. */
export class SessionEndedError extends SilentRefreshError {
  /**
   * @param {string} message
   * @param {string|null} [reasonCode] e.g. 'revoked', 'logged_out', 'expired'
   */
  constructor (message, reasonCode = null) {
    super('session_ended', message)
    this.name = 'SessionEndedError'
    this.reasonCode = reasonCode
  }
}

/** Keycloak could not be reached or answered with a fault (network, timeout, 5xx, 429); the session is kept. */
export class RefreshUnavailableError extends SilentRefreshError {
  /**
   * @param {string} message
   * @param {number|null} retryAt Local epoch ms of the next automatic try, if known.
   */
  constructor (message, retryAt) {
    super('refresh_unavailable', message)
    this.name = 'RefreshUnavailableError'
    this.retryAt = retryAt
  }
}

/** The token endpoint refused the refresh with something other than invalid_grant (e.g. invalid_client); not retried for a while. */
export class RefreshFailedError extends SilentRefreshError {
  /**
   * @param {string} message
   * @param {number} status
   * @param {string|null} error OAuth `error` of the response.
   */
  constructor (message, status, error) {
    super('refresh_failed', message)
    this.name = 'RefreshFailedError'
    this.status = status
    this.error = error
  }
}

/** The API keeps rejecting freshly refreshed access tokens (e.g. a wrong audience): refreshing again cannot help. */
export class TokenRejectedError extends SilentRefreshError {
  /** @param {string} message */
  constructor (message) {
    super('token_rejected', message)
    this.name = 'TokenRejectedError'
  }
}

/**
 * Plain form of an error, for postMessage.
 * @typedef {{ code: string, message: string, retryAt?: number|null, status?: number, error?: string|null, reasonCode?: string|null }} ErrorData
 */

/**
 * @param {unknown} err
 * @returns {ErrorData}
 */
export function toErrorData (err) {
  if (err instanceof SessionEndedError) return { code: err.code, message: err.message, reasonCode: err.reasonCode }
  if (err instanceof RefreshUnavailableError) return { code: err.code, message: err.message, retryAt: err.retryAt }
  if (err instanceof RefreshFailedError) return { code: err.code, message: err.message, status: err.status, error: err.error }
  if (err instanceof SilentRefreshError) return { code: err.code, message: err.message }
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) }
}

/**
 * @param {ErrorData} data
 * @returns {SilentRefreshError}
 */
export function fromErrorData (data) {
  switch (data?.code) {
    case 'session_ended': return new SessionEndedError(data.message, data.reasonCode ?? null)
    case 'refresh_unavailable': return new RefreshUnavailableError(data.message, data.retryAt ?? null)
    case 'refresh_failed': return new RefreshFailedError(data.message, data.status ?? 0, data.error ?? null)
    case 'token_rejected': return new TokenRejectedError(data.message)
    default: return new SilentRefreshError(typeof data?.code === 'string' ? data.code : 'internal', String(data?.message ?? 'unknown error'))
  }
}

/**
 * A short human text for any thrown value.
 * @param {unknown} err
 */
export function errorText (err) {
  if (err instanceof Error) return err.message || err.name
  return String(err)
}
