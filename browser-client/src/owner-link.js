// @ts-check
/**
 * @file The page's link to the token owner, and the choice of owner: one per browser wherever the browser allows.
 *
 * - `shared`: a SharedWorker, one per browser and client.
 * - `leader` / `follower` (no SharedWorker, e.g. Chrome on Android): the tabs elect one owner with Web Locks. The tab that
 *   holds the lock runs the owner in a dedicated worker and relays the other tabs' requests to it over a BroadcastChannel
 *   (each tab gets a port of its own on the owner, leader-relay.js); when that tab goes, the lock passes to a waiting tab, which starts a new
 *   owner and says so, and every tab re-configures it. The browser keeps one token family.
 * - `dedicated`: neither (or no BroadcastChannel): each tab has an owner and a login family of its own.
 *
 * A dead owner (a killed SharedWorker, a wrong worker URL or CSP, a page restored from the back-forward cache) is noticed by
 * the worker's error event, or by a `ping` that gets no answer within a few seconds while a call waits or when the page
 * comes back; the link then rejects the waiting calls at once, connects anew, and tells the client (`onRestart`).
 */
import { randomUrlSafe } from './jwt.js'
import { fromErrorData, RefreshUnavailableError } from './errors.js'
import { LeaderRelay } from './leader-relay.js'
import { workerScriptUrl as scriptUrl } from './worker-url.js'

/** A call the owner has not answered after this long makes the link ping it. */
export const PING_AFTER_MS = 3000
/** A ping not answered within this long means the owner is dead. */
export const PING_TIMEOUT_MS = 2000
/** However busy the owner is, a call gets an answer or an error within this long. */
export const CALL_TIMEOUT_MS = 30_000
/** Reconnecting after a dead owner waits 1, 2, 4 … s, capped, while owners keep dying (a wrong URL, a CSP): no busy loop. */
export const MAX_RECONNECT_DELAY_MS = 30_000

/**
 * What the link needs of the browser (injectable for tests).
 * @typedef {object} Platform
 * @property {(typeof SharedWorker)|undefined} SharedWorker
 * @property {typeof Worker} Worker
 * @property {LockManager|undefined} locks
 * @property {(typeof BroadcastChannel)|undefined} BroadcastChannel
 */

/**
 * @typedef {'shared'|'leader'|'follower'|'dedicated'} OwnerMode
 * @typedef {{ postMessage(message: any, transfer?: Transferable[]): void }} Sink
 */

export class OwnerLink {
  /** @type {OwnerMode|null} */
  mode = null
  #tabId = randomUrlSafe(6)
  #options
  /** @type {Sink|null} */
  #sink = null
  #nextId = 1
  /** @type {Map<number, { resolve: (v: any) => void, reject: (e: unknown) => void, timers: ReturnType<typeof setTimeout>[] }>} */
  #calls = new Map()
  /** @type {Promise<void>|null} */
  #connecting = null
  /** @type {BroadcastChannel|null} */
  #relay = null
  /** @type {LeaderRelay|null} the leader's ports for the other tabs */
  #leaderRelay = null
  /** @type {Promise<boolean>|null} */
  #pinging = null
  #closed = false
  /** owners that died in a row, without an answer in between */
  #deaths = 0

  /**
   * @param {object} options
   * @param {string|URL} options.workerUrl
   * @param {string} options.name one owner per name (client and DPoP or not)
   * @param {() => Record<string, unknown>} options.configuration what `configure` sends
   * @param {(message: any) => void} options.onEvent an event of the owner (`{ event, detail }`)
   * @param {(why: string) => void} options.onRestart the link connected to a new owner (it has no session yet)
   * @param {Platform} [options.platform]
   */
  constructor (options) {
    this.#options = options
  }

  /** Connects (once; again after the owner died) and configures the owner. */
  connect () {
    this.#connecting ??= this.#open().catch((err) => {
      this.#connecting = null // a failed connection is tried again by the next call, never kept
      throw err
    })
    return this.#connecting
  }

  /**
   * A request to the owner; rejects when it does not answer, fast when it is dead.
   * @param {string} type
   * @param {Record<string, unknown>} [payload]
   * @returns {Promise<any>}
   */
  async call (type, payload = {}) {
    await this.connect()
    return this.#send(type, payload)
  }

  /** Checks that the owner answers (after a return from the back-forward cache, a sleep); reconnects when it does not. */
  async check () {
    if (this.#sink == null) return
    if (!(await this.#ping())) this.#restart('the token owner did not answer')
  }

  /** A short random id of this page, for logs and the relay. */
  get tabId () { return this.#tabId }

  /**
   * Where another document of this origin reaches the same owner (the silent-callback page hands it a code): the
   * SharedWorker's script URL and name. Null when the owner is a dedicated worker, which only its tab can reach.
   * @returns {{ workerUrl: string, name: string }|null}
   */
  get ownerAddress () {
    if (this.mode !== 'shared') return null
    return { workerUrl: new URL(String(this.#options.workerUrl), globalThis.location?.href).href, name: this.#options.name }
  }

  /** Tells the owner this page is gone for now (into the back-forward cache); the next call brings it back. */
  leave () {
    try { this.#sink?.postMessage({ type: 'bye' }) } catch {}
  }

  /** Leaves the owner for good (the page is unloaded). */
  close () {
    this.#closed = true
    this.leave()
    this.#leaderRelay?.close()
    this.#relay?.close()
  }

  async #open () {
    if (this.#deaths > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** (this.#deaths - 1), MAX_RECONNECT_DELAY_MS)))
    const p = this.#options.platform ?? /** @type {Platform} */ ({
      SharedWorker: globalThis.SharedWorker, Worker: globalThis.Worker, locks: globalThis.navigator?.locks, BroadcastChannel: globalThis.BroadcastChannel
    })
    const { name, workerUrl } = this.#options
    if (typeof p.SharedWorker === 'function') {
      const worker = new p.SharedWorker(scriptUrl(workerUrl), { type: 'module', name })
      worker.port.onmessage = (event) => this.#receive(event.data)
      worker.onerror = () => this.#restart('the token owner could not start or stopped')
      worker.port.start()
      this.#sink = worker.port
      this.mode = 'shared'
    } else if (p.locks != null && typeof p.BroadcastChannel === 'function') {
      await this.#elect(p, /** @type {LockManager} */ (p.locks), p.BroadcastChannel)
    } else {
      this.#sink = this.#startWorker(p)
      this.mode = 'dedicated'
    }
    await this.#send('configure', { config: this.#options.configuration() })
  }

  /**
   * @param {Platform} p
   * @param {LockManager} locks
   * @param {typeof BroadcastChannel} Channel
   */
  async #elect (p, locks, Channel) {
    const name = this.#options.name
    const relay = new Channel(`${name}:relay`)
    this.#relay = relay
    relay.onmessage = (event) => this.#onRelay(p, event.data)
    /** @type {(won: boolean) => void} */
    let decided = () => {}
    const first = new Promise((resolve) => { decided = resolve })
    // held until this page goes: the lease of the owner
    locks.request(`${name}:owner`, { ifAvailable: true }, async (lock) => {
      if (lock == null) { decided(false); return }
      this.#lead(p)
      decided(true)
      await new Promise(() => {})
    }).catch(() => decided(false))
    if (await first) return
    this.mode = 'follower'
    this.#sink = { postMessage: (message) => relay.postMessage({ to: 'leader', from: this.#tabId, data: message }) }
    // waits for the lease; when the leader's tab goes, one follower takes over
    locks.request(`${name}:owner`, async () => {
      if (this.#closed) return
      this.#lead(p)
      this.#restart('the tab that held the token owner was closed')
      await new Promise(() => {})
    }).catch(() => {})
  }

  /** @param {Platform} p */
  #lead (p) {
    this.mode = 'leader'
    this.#sink = this.#startWorker(p)
    this.#relay?.postMessage({ type: 'leader', from: this.#tabId })
  }

  /** @param {Platform} p */
  #startWorker (p) {
    const worker = new p.Worker(scriptUrl(this.#options.workerUrl), { type: 'module', name: this.#options.name })
    worker.onmessage = (event) => this.#receive(event.data)
    worker.onerror = () => this.#restart('the token owner could not start or stopped')
    return worker
  }

  /**
   * @param {Platform} p
   * @param {any} data
   */
  #onRelay (p, data) {
    if (data == null || typeof data !== 'object') return
    if (data.type === 'leader' && data.from !== this.#tabId && this.mode === 'follower') {
      this.#restart('another tab now holds the token owner')
      return
    }
    if (this.mode === 'follower' && data.to === this.#tabId) {
      this.#receive(data.data)
      return
    }
    if (this.mode !== 'leader' || data.to !== 'leader' || typeof data.from !== 'string') return
    this.#leaderRelay ??= new LeaderRelay(/** @type {BroadcastChannel} */ (this.#relay))
    this.#leaderRelay.forward(/** @type {Sink} */ (this.#sink), data.from, data.data)
  }

  /**
   * @param {string} type
   * @param {Record<string, unknown>} payload
   * @returns {Promise<any>}
   */
  #send (type, payload) {
    const sink = this.#sink
    if (sink == null) return Promise.reject(new RefreshUnavailableError('not connected to the token owner', null))
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      const fail = (/** @type {string} */ text) => this.#settle(id, null, new RefreshUnavailableError(text, null))
      const timers = [
        setTimeout(() => fail(`the token owner did not answer ${type}`), CALL_TIMEOUT_MS),
        setTimeout(() => { this.check().catch(() => {}) }, PING_AFTER_MS)
      ]
      this.#calls.set(id, { resolve, reject, timers })
      sink.postMessage({ ...payload, id, type })
    })
  }

  /** @returns {Promise<boolean>} whether the owner answered a ping in time */
  #ping () {
    this.#pinging ??= new Promise((resolve) => {
      const sink = this.#sink
      if (sink == null) return resolve(false)
      const id = this.#nextId++
      const timer = setTimeout(() => { this.#calls.delete(id); resolve(false) }, PING_TIMEOUT_MS)
      this.#calls.set(id, { resolve: () => resolve(true), reject: () => resolve(true), timers: [timer] })
      sink.postMessage({ id, type: 'ping' })
    }).finally(() => { this.#pinging = null })
    return /** @type {Promise<boolean>} */ (this.#pinging)
  }

  /**
   * The owner is gone: every waiting call fails now, the link connects anew, and the client hears of it.
   * @param {string} why
   */
  #restart (why) {
    if (this.#closed) return
    this.#deaths++
    for (const id of [...this.#calls.keys()]) this.#settle(id, null, new RefreshUnavailableError(`${why}; reconnecting`, null))
    if (this.mode !== 'leader' && this.mode !== 'follower') {
      this.#sink = null
      this.#connecting = null
    } else {
      // the relay stays; the (new) leader's owner is configured again
      this.#connecting = this.#send('configure', { config: this.#options.configuration() }).then(() => {})
      this.#connecting.catch(() => { this.#connecting = null })
    }
    this.#options.onRestart(why)
  }

  /** @param {any} message */
  #receive (message) {
    if (message == null || typeof message !== 'object') return
    if (typeof message.id === 'number') {
      this.#settle(message.id, message, null)
      return
    }
    this.#options.onEvent(message)
  }

  /**
   * @param {number} id
   * @param {any} message
   * @param {unknown} error
   */
  #settle (id, message, error) {
    const call = this.#calls.get(id)
    if (call == null) return
    this.#calls.delete(id)
    if (message != null) this.#deaths = 0
    for (const timer of call.timers) clearTimeout(timer)
    if (error != null) call.reject(error)
    else if (message.ok) call.resolve(message.result)
    else call.reject(fromErrorData(message.error))
  }
}
