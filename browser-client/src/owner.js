// @ts-check
/**
 * @file The token owner: the only holder of the refresh token in the browser. It runs in a worker (a SharedWorker shared by
 * the tabs, or the dedicated worker of the tab that holds the Web Locks lease, see owner-link.js); pages talk to it over
 * ports (owner-ports.js) and receive access tokens only, never the refresh token or the ID token.
 *
 * Everything that changes the session (refresh, code exchange, logout) runs one at a time in the exclusive section, so a
 * login finished in one tab while another refreshes cannot leave a stale set; each installed set gets the next `version`.
 * What to do with the refresh token at each step is decided by refresh-machine.js; this file does the I/O.
 */
import { createDpopProof, loadOrCreateDpopKey } from './dpop.js'
import { RefreshFailedError, SessionEndedError } from './errors.js'
import { IdbStore } from './idb.js'
import { randomUrlSafe } from './jwt.js'
import { LoginFlow } from './login-flow.js'
import { browserNetwork } from './network.js'
import { discover } from './oidc.js'
import { ownerConfig } from './owner-config.js'
import { OwnerPorts } from './owner-ports.js'
import { RefreshRun } from './refresh-run.js'
import { instantOf, systemClock } from './refresh-machine.js'
import { accessTokenView, needsRefresh, refreshDueAt } from './token-set.js'
import { DueTimer } from './due-timer.js'

/** @typedef {import('./owner-config.js').OwnerConfig} OwnerConfig */

/**
 * Hooks for code that builds its own worker entry around the owner (the demo's replay button uses them).
 * @typedef {object} OwnerHooks
 * @property {(tokens: import('./token-set.js').TokenSet) => void} [tokenSetInstalled]
 * @property {Record<string, (message: any, owner: TokenOwner) => Promise<any>>} [handlers] extra request types
 */

/** @typedef {import('./network.js').Network} Network */

/**
 * @typedef {object} OwnerOptions
 * @property {typeof fetch} [fetch]
 * @property {OwnerHooks} [hooks]
 * @property {import('./refresh-machine.js').Clock} [clock]
 * @property {Network} [network]
 * @property {{ pendingLogins: import('./idb.js').KeyValueStore, keys: import('./idb.js').KeyValueStore }} [stores]
 * @property {string} [origin] the app's origin (default: the worker's)
 */

export class TokenOwner {
  /** @type {OwnerConfig|null} */
  #config = null
  /** @type {import('./oidc.js').ProviderMetadata|null} */
  #metadata = null
  /** @type {Promise<import('./oidc.js').ProviderMetadata>|null} */
  #discovering = null
  /** @type {import('./token-set.js').TokenSet|null} */
  #tokens = null
  #version = 0
  #id = randomUrlSafe(6)
  /** @type {{ code: string, message: string }|null} */
  #reason = null
  /** @type {Promise<unknown>} the exclusive section: refresh, code exchange and logout never overlap */
  #exclusive = Promise.resolve()
  #counters = { refreshRequests: 0, codeExchanges: 0 }
  /** @type {import('./dpop.js').DpopKey|null} */
  #dpopKey = null
  #fetch
  #hooks
  #clock
  #network
  #stores
  /** @type {OwnerPorts} */
  #ports
  /** @type {LoginFlow} */
  #login
  /** @type {RefreshRun} */
  #refresh
  /** @type {DueTimer} */
  #timer

  /** @param {OwnerOptions} [options] */
  constructor (options = {}) {
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
    this.#hooks = options.hooks ?? {}
    this.#clock = options.clock ?? systemClock
    this.#network = options.network ?? browserNetwork()
    this.#stores = options.stores ?? null
    this.#ports = new OwnerPorts(this.#id, (message) => this.#handle(message))
    this.#timer = new DueTimer(() => this.#refresh.wake(), () => this.#clock.wall())
    this.#login = new LoginFlow({
      owner: this,
      fetch: this.#fetch,
      pendingLogins: () => this.#store('pending-logins'),
      origin: options.origin ?? globalThis.location?.origin ?? '',
      clock: this.#clock,
      ports: this.#ports
    })
    this.#refresh = new RefreshRun({
      owner: this,
      fetch: this.#fetch,
      clock: this.#clock,
      network: this.#network,
      login: this.#login,
      ports: this.#ports,
      timer: this.#timer
    })
  }

  /** The provider metadata (after the first page configured the owner). */
  get metadata () { return this.#metadata }

  /** The configuration of the first page. */
  get config () { return this.#config }

  /** @returns {import('./token-set.js').TokenSet|null} the installed token set */
  get tokens () { return this.#tokens }

  /** This owner's id: views carry it, so pages tell its versions from a former owner's. */
  get id () { return this.#id }

  /** Token-endpoint requests so far (counted by the refresh run and the login). */
  get counters () { return this.#counters }

  /**
   * A DPoP proof for a request of the owner's client, or null without DPoP (for hooks).
   * @param {string} htm
   * @param {string} htu
   * @param {string|null} [accessToken]
   * @param {string|null} [nonce] default: the token endpoint's last nonce
   * @returns {Promise<string|null>}
   */
  async dpopProof (htm, htu, accessToken = null, nonce = undefined) {
    nonce = nonce === undefined ? this.#refresh.dpopNonce : nonce
    if (this.#config?.dpop !== true) return null
    return createDpopProof(await this.#ensureDpopKey(), { htm, htu, accessToken, nonce, now: this.#clock.wall() })
  }

  /** @param {import('./owner-ports.js').Port} port */
  connect (port) { this.#ports.connect(port) }

  /**
   * @param {any} message
   * @returns {Promise<any>}
   */
  async #handle (message) {
    if (message.type === 'configure') return this.#configure(message.config)
    if (this.#config == null) throw new Error('the owner is not configured yet')
    switch (message.type) {
      case 'status': return this.#status()
      case 'token': return this.view(await this.#ensureFresh(Number(message.minValidity ?? 5)))
      case 'rejected': return this.view(await this.#refresh.afterRejection(Number(message.version), message.accepted === true))
      case 'accepted': return this.#refresh.accepted(Number(message.version), message.owner ?? this.#id)
      case 'refresh': return this.view(await this.#refresh.now('refresh requested', true, this.#seenVersion(message)))
      case 'proof': return this.#proof(message)
      case 'begin-login': return this.#login.beginFor(message)
      case 'callback': return this.#login.callback(String(message.href))
      case 'frame-callback': return this.#login.frameCallback(String(message.href))
      case 'silent-login-failed': return this.#login.settleSilent(String(message.state), { error: String(message.error ?? 'failed') })
      case 'logout': return this.#login.logout()
      case 'verify': return this.#refresh.verify(message.hint).then(() => this.#status())
      default: {
        const handlers = this.#hooks.handlers ?? {}
        if (!Object.hasOwn(handlers, message.type)) throw new Error(`unknown request ${message.type}`)
        return handlers[message.type](message, this)
      }
    }
  }

  /** @param {any} config */
  async #configure (config) {
    const first = this.#config == null
    this.#config = ownerConfig(config, this.#config)
    if (first) {
      const c = this.#config
      this.log('tab', `Token owner started (${c.dpop ? 'DPoP, ' : ''}grace window ${c.graceSeconds} s${c.boundTokenRetry ? ', bound-token retry' : ''})`)
    }
    return this.#status()
  }

  #status () {
    return { owner: this.#id, loggedIn: this.#tokens != null, view: this.#tokens ? this.view(this.#tokens) : null, reason: this.#reason, counters: { ...this.#counters } }
  }

  /** @param {import('./token-set.js').TokenSet} tokens */
  view (tokens) { return accessTokenView(tokens, this.#id) }

  /**
   * A token valid for `minValidity` seconds. A wish above half the lifetime is clamped to half of it: a 60 s token cannot
   * be valid for 120 s, and refreshing on every call would only burn the token endpoint (and trip the probe gap).
   * @param {number} minValidity
   * @returns {Promise<import('./token-set.js').TokenSet>}
   */
  async #ensureFresh (minValidity) {
    const tokens = this.#tokens
    if (tokens == null) throw this.endedError()
    const wanted = Number.isFinite(minValidity) ? Math.max(0, minValidity) : 5
    const effective = Math.min(wanted, tokens.expiresIn / 2)
    if (!needsRefresh(tokens, effective, instantOf(this.#clock))) return tokens
    return this.#refresh.now('a page needs a token')
  }

  /**
   * The version of this owner's token the page had when it asked (null: unknown, or a former owner's).
   * @param {any} message
   */
  #seenVersion (message) {
    const owner = message.owner ?? this.#id
    return owner === this.#id && Number.isInteger(message.version) ? message.version : null
  }

  /** @param {any} message */
  async #proof (message) {
    const tokens = this.#tokens
    if (tokens == null) throw this.endedError()
    if (this.#config?.dpop !== true || tokens.tokenType !== 'DPoP') return { proof: null }
    if (Number(message.version) !== tokens.version) throw new RefreshFailedError('the access token changed; ask for the new one', 0, null)
    const nonce = typeof message.nonce === 'string' ? message.nonce : null
    return { proof: await this.dpopProof(String(message.htm), String(message.htu), tokens.accessToken, nonce) }
  }

  /**
   * @param {import('./token-set.js').TokenSet} tokens
   * @param {'login'|'refresh'|'recovery'} source
   */
  install (tokens, source) {
    this.#tokens = tokens
    this.#reason = null
    this.#refresh.reset()
    const config = /** @type {OwnerConfig} */ (this.#config)
    if (config.proactiveRefresh) this.#timer.schedule(refreshDueAt(tokens, config.refreshLeadSeconds))
    else this.#timer.cancel()
    this.#hooks.tokenSetInstalled?.(tokens)
    const view = this.view(tokens)
    const gen = view.generation != null ? `, generation ${view.generation}` : ''
    this.log(source === 'refresh' ? 'refresh' : 'login',
      `${source === 'refresh' ? 'Refreshed' : source === 'recovery' ? 'New session from the Keycloak SSO session' : 'Logged in'}` +
      ` (access token valid ${tokens.expiresIn} s${gen}, version ${tokens.version})`)
    this.#ports.broadcast('tokens', { source, view, counters: { ...this.#counters } })
  }

  /** The next version number, taken (for a refreshed set). */
  nextVersion () { return ++this.#version }

  /**
   * @param {string} code
   * @param {string} message
   */
  endSession (code, message) {
    this.#tokens = null
    this.#refresh.reset()
    this.#timer.cancel()
    this.#reason = { code, message }
    this.log('error', `Session ended: ${message}`)
    this.#ports.broadcast('session-ended', { code, message })
  }

  /**
   * A login that a page started failed: the reason the pages show.
   * @param {string} code
   * @param {string} message
   */
  loginFailed (code, message) {
    this.#reason = { code, message }
    this.log('error', `Login failed: ${message}`)
  }

  endedError () {
    return new SessionEndedError(this.#reason?.message ?? 'Not logged in', this.#reason?.code ?? null)
  }

  /**
   * @template T
   * @param {() => Promise<T>} work
   * @returns {Promise<T>}
   */
  inExclusive (work) {
    const run = this.#exclusive.then(work, work)
    this.#exclusive = run.catch(() => {})
    return run
  }

  async #ensureMetadata () {
    if (this.#metadata) return this.#metadata
    const config = /** @type {OwnerConfig} */ (this.#config)
    this.#discovering ??= discover(config.issuer, this.#fetch, AbortSignal.timeout(config.requestTimeoutMs))
      .finally(() => { this.#discovering = null })
    this.#metadata = await this.#discovering
    return this.#metadata
  }

  /** @returns {Promise<import('./oidc.js').ProviderMetadata>} */
  ensureMetadata () { return this.#ensureMetadata() }

  /** The DPoP key (created on first use), or null without DPoP. */
  async dpopKey () { return this.#config?.dpop ? this.#ensureDpopKey() : null }

  /** Forgets the DPoP key (logout): the next login binds a new family to a new key. */
  async forgetDpopKey () {
    if (this.#dpopKey == null) return
    await this.#store('keys').delete(this.#dpopKeyId()).catch(() => {})
    this.#dpopKey = null
  }

  async #ensureDpopKey () {
    this.#dpopKey ??= await loadOrCreateDpopKey(this.#store('keys'), this.#dpopKeyId())
    return this.#dpopKey
  }

  #dpopKeyId () { return `dpop:${this.#config?.clientId}` }

  /** @param {'pending-logins'|'keys'} name */
  #store (name) {
    if (this.#stores != null) return name === 'keys' ? this.#stores.keys : this.#stores.pendingLogins
    return new IdbStore(`silent-refresh:${this.#config?.clientId}`, name)
  }

  /**
   * @param {string} kind
   * @param {string} message
   */
  log (kind, message) {
    this.#ports.broadcast('log', { time: this.#clock.wall(), kind, message })
  }
}

/**
 * Serves a token owner in a worker: every connecting page of a SharedWorker, or the page of a dedicated worker (which may
 * attach ports for other tabs).
 * @param {any} scope the worker's global scope
 * @param {{ hooks?: OwnerHooks }} [options]
 */
export function serveTokenOwner (scope, options = {}) {
  const owner = new TokenOwner({ hooks: options.hooks })
  if ('onconnect' in scope) {
    scope.onconnect = (/** @type {MessageEvent} */ event) => owner.connect(event.ports[0])
  } else {
    owner.connect(scope)
  }
  return owner
}
