// @ts-check
/**
 * @file The token owner: the only holder of the refresh token in the browser. It runs in a worker (a SharedWorker shared by
 * the tabs, or the dedicated worker of the tab that holds the Web Locks lease, see owner-link.js); pages talk to it over
 * ports (owner-ports.js) and receive access tokens only, never the refresh token or the ID token.
 *
 * Everything that changes the session (refresh, code exchange, logout) runs one at a time in the exclusive section, so a
 * login finished in one tab while another refreshes cannot leave a stale set; each installed set gets the next `version`.
 * What to do with the refresh token at each step is decided by refresh-machine.js; the requests of pages are answered in
 * owner-requests.js.
 */
import { createDpopProof, loadOrCreateDpopKey } from './dpop.js'
import { SessionEndedError } from './errors.js'
import { IdbStore } from './idb.js'
import { randomUrlSafe } from './jwt.js'
import { LoginFlow } from './login-flow.js'
import { browserNetwork } from './network.js'
import { discover } from './oidc.js'
import { ownerConfig } from './owner-config.js'
import { OwnerPorts } from './owner-ports.js'
import { handleOwnerRequest } from './owner-requests.js'
import { RefreshRun } from './refresh-run.js'
import { systemClock } from './refresh-machine.js'
import { accessTokenView, refreshDueAt } from './token-set.js'
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
  /** @type {import('./owner-requests.js').OwnerRequestDeps} */
  #requests

  /** @param {OwnerOptions} [options] */
  constructor (options = {}) {
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
    this.#hooks = options.hooks ?? {}
    this.#clock = options.clock ?? systemClock
    this.#network = options.network ?? browserNetwork()
    this.#stores = options.stores ?? null
    this.#ports = new OwnerPorts(this.#id, (message) => handleOwnerRequest(this.#requests, message))
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
    this.#requests = {
      owner: this, refresh: this.#refresh, login: this.#login, clock: this.#clock, configure: (/** @type {any} */ config) => this.#configure(config), handlers: this.#hooks.handlers ?? {}
    }
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

  /** @param {any} config a page's configuration (the first one counts; later ones may only add) */
  #configure (config) {
    const first = this.#config == null
    this.#config = ownerConfig(config, this.#config)
    if (first) {
      const c = this.#config
      this.log('tab', `Token owner started (${c.dpop ? 'DPoP, ' : ''}grace window ${c.graceSeconds} s${c.boundTokenRetry ? ', bound-token retry' : ''})`)
    }
  }

  /** What a page learns of the owner: its id, the session's view or why there is none, the counters. */
  status () {
    return { owner: this.#id, loggedIn: this.#tokens != null, view: this.#tokens ? this.view(this.#tokens) : null, reason: this.#reason, counters: { ...this.#counters } }
  }

  /** @param {import('./token-set.js').TokenSet} tokens */
  view (tokens) { return accessTokenView(tokens, this.#id) }

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
