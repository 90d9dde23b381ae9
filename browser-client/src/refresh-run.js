// @ts-check
/**
 * @file The token owner's refresh runs: one at a time (single flight per token version, inside the owner's exclusive
 * section), each try decided by refresh-machine.js right before it is sent, every request aborted at its deadline; the
 * one-refresh-per-401 rule; and waiting for the network instead of spending tries. A refresh token that may be spent is
 * handed to spent-token-recovery.js; what the pages are told when a refresh does not work, to refresh-reports.js.
 */
import { errorText, RefreshFailedError, RefreshUnavailableError, SessionEndedError } from './errors.js'
import { RefreshReports } from './refresh-reports.js'
import { SpentTokenRecovery } from './spent-token-recovery.js'
import { checkIdToken, tokenRequest } from './oidc.js'
import { classifyTokenResponse, parseRetryAfterMs } from './refresh-policy.js'
import { decide, elapsedMs, initialState, instantOf, transition } from './refresh-machine.js'
import { tokenSetFromResponse } from './token-set.js'

/**
 * @typedef {object} RefreshRunDeps
 * @property {import('./owner.js').TokenOwner} owner
 * @property {typeof fetch} fetch
 * @property {import('./refresh-machine.js').Clock} clock
 * @property {import('./network.js').Network} network
 * @property {import('./login-flow.js').LoginFlow} login
 * @property {import('./owner-ports.js').OwnerPorts} ports
 * @property {import('./due-timer.js').DueTimer} timer
 */

/** A hint from another tab that the session may have changed triggers at most one check against Keycloak per this. */
const VERIFY_MIN_INTERVAL_MS = 10_000

export class RefreshRun {
  #d
  /** @type {import('./refresh-machine.js').RefreshState} */
  #machine = initialState()
  /** @type {{ forVersion: number, promise: Promise<void> }|null} */
  #inflight = null
  #recovery
  #reports
  /** the version a refresh after a 401 produced, until a page reports it accepted: a 401 on it again cannot be helped */
  #after401 = /** @type {number|null} */ (null)
  /** a check after another tab's "logged out" hint is running: Keycloak's invalid_grant then means that logout */
  #peerLoggedOut = false
  /** @type {import('./refresh-machine.js').Instant|null} */
  #lastVerifyAt = null
  /** @type {string|null} the token endpoint's last DPoP nonce */
  dpopNonce = null

  /** @param {RefreshRunDeps} deps */
  constructor (deps) {
    this.#d = deps
    this.#recovery = new SpentTokenRecovery(deps)
    this.#reports = new RefreshReports(deps)
  }

  /**
   * A new token set is installed (or the session ended): its refresh token starts fresh.
   * @param {number|null} [after401] the version, when it was obtained because the API rejected the one before
   */
  reset (after401 = null) {
    this.#machine = initialState()
    this.#recovery.reset()
    this.#after401 = after401
  }

  /**
   * Makes sure the current set is replaced, then returns the new one.
   * @param {string} why
   * @param {boolean} [asked] a person asked (the demo's button): a refusal's cooldown does not apply
   * @param {number|null} [seenVersion] the version the asking page had: when a newer one exists already (another tab's
   *   refresh at the same moment), that refresh answers this request too
   */
  async now (why, asked = false, seenVersion = null) {
    const tokens = this.#d.owner.tokens
    if (tokens == null) throw this.#d.owner.endedError()
    if (seenVersion != null && seenVersion < tokens.version) return tokens
    if (asked && this.#machine.phase === 'refused') this.#machine = { ...this.#machine, phase: 'fresh', retryAt: null }
    await this.#run(tokens.version, why, false)
    return this.#current()
  }

  /**
   * The API answered 401 invalid_token to the access token of `version`: at most one refresh per rejected token. A token
   * that a refresh after a 401 produced and that no page has seen accepted is not refreshed again (the API rejects every
   * token: a wrong audience); once it has worked, a later 401 on it (an API clock ahead) gets its refresh like any other.
   * @param {number} version
   * @param {boolean} accepted a page has had an answer other than 401 with this token
   */
  async afterRejection (version, accepted) {
    const tokens = this.#current()
    if (version !== tokens.version) return tokens // a newer token exists already (or one of a former owner): retry with it
    if (this.#inflight?.forVersion === version) {
      await this.#inflight.promise
      return this.#current()
    }
    if (version === this.#after401 && !accepted) throw this.#reports.rejectedAgain()
    await this.#run(version, 'the API rejected the access token (401 invalid_token)', true)
    return this.#current()
  }

  /**
   * A page had an answer other than 401 with the access token of `version`: a token a 401-refresh produced has worked, so
   * its own 401 later (an API clock ahead, whichever tab sees it) gets a refresh like any other.
   * @param {number} version
   * @param {unknown} owner the owner id the page's token came from (a former owner's versions count anew)
   * @returns {null}
   */
  accepted (version, owner) {
    if (owner === this.#d.owner.id && version === this.#after401) this.#after401 = null
    return null
  }

  /**
   * A hint from another tab (per-tab owners) that the session may have changed: ask Keycloak, at most every 10 s. The hint
   * decides nothing; Keycloak does. When Keycloak ends the session right after a tab said it logged out, that logout is the
   * reason the user is shown ("You logged out in another tab."), not a revocation.
   * @param {unknown} [hint] 'logged_out' when the other tab logged out
   */
  async verify (hint = null) {
    const now = instantOf(this.#d.clock)
    if (this.#d.owner.tokens == null || (this.#lastVerifyAt != null && elapsedMs(this.#lastVerifyAt, now) < VERIFY_MIN_INTERVAL_MS)) return
    this.#lastVerifyAt = now
    this.#peerLoggedOut = hint === 'logged_out'
    try {
      await this.now('another tab reported a change of session').catch(() => {})
    } finally {
      this.#peerLoggedOut = false
    }
  }

  /** The timer or the network woke the owner: a proactive refresh, a retry, or a recovery. */
  wake () {
    const tokens = this.#d.owner.tokens
    if (tokens == null) return
    const why = this.#machine.phase === 'fresh' ? 'proactive, before expiry' : 'retry'
    this.#run(tokens.version, why, false).catch(() => {
      // reported through log / refresh-error / session-ended; the timer is set where useful
    })
  }

  /** Offline: reported, and the owner wakes up when the browser is online again. */
  #offline () { return this.#reports.offline(() => this.wake()) }

  #current () {
    const tokens = this.#d.owner.tokens
    if (tokens == null) throw this.#d.owner.endedError()
    return tokens
  }

  /**
   * @param {number} forVersion
   * @param {string} why
   * @param {boolean} after401
   */
  async #run (forVersion, why, after401) {
    if (this.#d.owner.tokens?.version !== forVersion) return
    if (this.#machine.phase === 'spent') return this.#recovery.run(why, () => this.#offline())
    if (this.#inflight?.forVersion !== forVersion) {
      const promise = this.#d.owner.inExclusive(() => this.#tries(forVersion, why, after401))
        .finally(() => { if (this.#inflight?.promise === promise) this.#inflight = null })
      this.#inflight = { forVersion, promise }
    }
    await this.#inflight.promise
  }

  /**
   * @param {number} forVersion
   * @param {string} why
   * @param {boolean} after401
   */
  async #tries (forVersion, why, after401) {
    const { owner, clock } = this.#d
    const tokens = owner.tokens
    if (tokens == null) throw owner.endedError()
    if (tokens.version !== forVersion) return // replaced while we waited for the exclusive section
    if (this.#machine.phase === 'spent') throw this.#reports.unavailable('getting a new session silently', null)
    const config = /** @type {import('./owner.js').OwnerConfig} */ (owner.config)
    const rules = { graceMs: config.graceSeconds * 1000, timeoutMs: config.requestTimeoutMs, boundRetry: config.boundTokenRetry }
    const metadata = await owner.ensureMetadata()
    owner.log('refresh', `Refreshing tokens (${why})`)
    let nonceRetried = false
    for (let attempt = 0; ; attempt++) {
      let decision = decide(this.#machine, instantOf(clock), rules)
      if (decision.action === 'send' && decision.delayMs > 0) {
        await sleep(decision.delayMs)
        if (owner.tokens !== tokens) return
        // decided again after the pause: the device may have slept in it
        decision = decide(this.#machine, instantOf(clock), rules, { paused: true })
      }
      if (decision.action !== 'send') return this.#notNow(decision)
      // a request that cannot leave the machine is not sent: it would only spend tries and, after a timeout, the window
      if (!this.#d.network.isOnline()) throw this.#offline()
      // the proof first (signing takes time, a throttled worker's much more), then the last word, then the send at once
      const proof = await owner.dpopProof('POST', metadata.token_endpoint)
      if (owner.tokens !== tokens) return
      decision = decide(this.#machine, instantOf(clock), rules, { paused: true })
      if (decision.action !== 'send') return this.#notNow(decision)
      const sentAt = instantOf(clock)
      const answer = await this.#send(metadata.token_endpoint, tokens.refreshToken, decision.timeoutMs, attempt, proof)
      if (owner.tokens !== tokens) return // logged out or replaced meanwhile: this answer is forgotten
      if (answer.body?.error === 'use_dpop_nonce' && !nonceRetried) { nonceRetried = true; continue }
      const outcome = classifyTokenResponse(answer.status, answer.body)
      if (outcome === 'ok') return this.#accept(tokens, answer.body, sentAt, after401)
      if (outcome === 'terminal') {
        if (this.#peerLoggedOut) owner.endSession('logged_out', 'You logged out in another tab.')
        else owner.endSession('revoked', typeof answer.body?.error_description === 'string' ? answer.body.error_description : 'invalid_grant')
        throw owner.endedError()
      }
      this.#machine = transition(this.#machine, { type: 'answered', outcome, sentAt, at: instantOf(clock), retryAfterMs: parseRetryAfterMs(answer.retryAfter, clock.wall()) })
      const what = answer.status == null ? errorText(answer.error) : `HTTP ${answer.status}`
      if (this.#machine.phase === 'unavailable') throw this.#reports.unavailable(`Keycloak is unavailable (${what}); the session is kept`, this.#machine.retryAt)
      if (this.#machine.phase === 'refused') throw this.#reports.refused(answer, this.#machine.retryAt)
      owner.log('refresh', `No usable answer (${what}): the same refresh token may go again only ${config.boundTokenRetry ? 'with its DPoP key' : 'inside the grace window'}`)
      if (!this.#d.network.isOnline()) throw this.#offline()
    }
  }

  /**
   * Not now: no safe try is left (recover), or Keycloak said a moment ago that it is unavailable, or refused (wait).
   * @param {import('./refresh-machine.js').Decision} decision
   * @returns {never}
   */
  #notNow (decision) {
    if (decision.action === 'wait' && decision.why === 'refused') {
      throw new RefreshFailedError('The token endpoint refused the last refresh; no new try before ' + new Date(decision.retryAt ?? 0).toLocaleTimeString(), 0, null)
    }
    if (decision.action === 'wait') throw new RefreshUnavailableError('Keycloak is unavailable; the session is kept and retried shortly', decision.retryAt)
    return this.#giveUp()
  }

  /**
   * One token request with the refresh token, aborted after `timeoutMs`.
   * @param {string} endpoint
   * @param {string} refreshToken
   * @param {number} timeoutMs
   * @param {number} attempt
   * @param {string|null} proof the DPoP proof, if any
   */
  async #send (endpoint, refreshToken, timeoutMs, attempt, proof) {
    const { owner } = this.#d
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs)
    owner.counters.refreshRequests++
    this.#d.ports.broadcast('token-request', { grantType: 'refresh_token', attempt, counters: { ...owner.counters } })
    try {
      const answer = await tokenRequest(endpoint, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: String(owner.config?.clientId) },
        { fetch: this.#d.fetch, signal: controller.signal, dpopProof: proof })
      if (answer.dpopNonce) this.dpopNonce = answer.dpopNonce
      return answer
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * A 200: Keycloak has rotated, so the old refresh token is spent whatever happens next. An answer that cannot be used
   * is not a reason to send the old token again: a silent login replaces it.
   * @param {import('./token-set.js').TokenSet} tokens
   * @param {any} body
   * @param {import('./refresh-machine.js').Instant} sentAt
   * @param {boolean} after401
   */
  #accept (tokens, body, sentAt, after401) {
    const { owner } = this.#d
    const config = /** @type {import('./owner.js').OwnerConfig} */ (owner.config)
    this.#machine = transition(this.#machine, { type: 'consumed' })
    let next
    try {
      next = tokenSetFromResponse(body, sentAt.wall, tokens.version + 1, tokens, sentAt.mono)
      if (next.subject != null && tokens.subject != null && next.subject !== tokens.subject) {
        owner.endSession('user_changed', 'the refreshed tokens belong to another user')
        throw owner.endedError()
      }
      checkIdToken(typeof body.id_token === 'string' ? next.idToken : null, { issuer: config.issuer, clientId: config.clientId, subject: tokens.subject, required: false })
    } catch (err) {
      if (err instanceof SessionEndedError) throw err
      owner.log('error', `Keycloak answered the refresh, but the answer is unusable (${errorText(err)}); the old refresh token is spent`)
      return this.#giveUp()
    }
    next.version = owner.nextVersion()
    owner.install(next, 'refresh')
    this.#after401 = after401 ? next.version : null
  }

  /**
   * The token may be spent and no safe try is left: never send it again; a silent login starts a new family.
   * @returns {never}
   */
  #giveUp () {
    this.#machine = transition(this.#machine, { type: 'abandoned' })
    throw this.#reports.gaveUp()
  }
}

/** @param {number} ms */
function sleep (ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
