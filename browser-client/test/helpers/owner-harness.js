// Drives a real token owner through its port protocol, as a page would, with fakes for everything around it: a monotonic
// and a wall clock that can diverge (a sleep stops the first and moves the second), the network's online state, the token
// endpoint (fake-keycloak.js) and the stores. Timers are node's mock timers; the wall clock is their Date.
import { mock } from 'node:test'
import { CLIENT_ID, FakeKeycloak, ISSUER } from './fake-keycloak.js'
import { makeOwner } from './make-owner.js'

export const ORIGIN = 'https://app.test'

/** Lets promises, crypto and other real async work run (timers stay mocked). */
export async function flush (rounds = 30) {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve))
}

/**
 * Waits, in real time and without moving the fake clocks, until `predicate` holds: real async work (crypto for PKCE and
 * DPoP) may still run after a fake-time step on a loaded machine.
 * @param {() => boolean} predicate
 */
export async function eventually (predicate, realMs = 10_000) {
  const start = performance.now()
  while (!predicate() && performance.now() - start < realMs) await flush()
  return predicate()
}

export class FakeClock {
  /** @param {{ skewMs?: number }} [options] the local wall clock's error (positive: fast) */
  constructor ({ skewMs = 0 } = {}) {
    this.trueNow = 1_800_000_000_000
    this.mono = 1000
    // mock timers stay on until the next clock replaces them: an owner's work that ends after its test must not arm a real
    // timer (the owner's 5 s poll would keep the process alive)
    mock.timers.reset()
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: this.trueNow + skewMs })
  }

  monotonic = () => this.mono
  wall = () => Date.now()

  /** Time passes normally: both clocks move, timers fire. */
  async advance (ms, step = 50) {
    for (let left = ms; left > 0; left -= step) {
      const d = Math.min(step, left)
      this.trueNow += d
      this.mono += d
      mock.timers.tick(d)
      await flush(5)
    }
    await flush()
  }

  /** The device sleeps: the monotonic clock stops, the wall clock (and the server) move on. */
  async sleep (ms) {
    this.trueNow += ms
    mock.timers.setTime(Date.now() + ms)
    await flush()
  }

  dispose () {}
}

export class FakeNetwork {
  online = true
  /** @type {(() => void)[]} */
  #waiters = []
  isOnline = () => this.online
  whenOnline = () => this.online ? Promise.resolve() : new Promise((resolve) => this.#waiters.push(() => resolve(undefined)))
  goOffline () { this.online = false }
  goOnline () {
    this.online = true
    for (const w of this.#waiters.splice(0)) w()
  }
}

/** A page's end of the port: calls with ids, and the events the owner sends. */
export class FakePage {
  /** @type {((event: { data: any }) => void)|null} */
  onmessage = null
  events = /** @type {{ event: string, detail: any }[]} */ ([])
  #nextId = 1
  /** @type {Map<number, { resolve: (v: any) => void, reject: (e: any) => void }>} */
  #calls = new Map()

  postMessage (message) {
    if (typeof message?.id === 'number' && this.#calls.has(message.id)) {
      const call = this.#calls.get(message.id)
      this.#calls.delete(message.id)
      if (message.ok) call?.resolve(message.result)
      else call?.reject(Object.assign(new Error(message.error?.message), message.error))
      return
    }
    if (typeof message?.event === 'string') this.events.push(message)
  }

  /** @returns {Promise<any>} */
  call (type, payload = {}) {
    const id = this.#nextId++
    const promise = new Promise((resolve, reject) => this.#calls.set(id, { resolve, reject }))
    this.onmessage?.({ data: { ...payload, id, type } })
    return promise
  }

  eventsOf (name) { return this.events.filter((e) => e.event === name).map((e) => e.detail) }
}

/**
 * Waits for a promise while letting real async work run, advancing the fake clocks by `stepMs` per round if given.
 * @template T
 * @param {Promise<T>} promise
 * @param {FakeClock} [clock]
 * @param {number} [maxMs]
 * @returns {Promise<{ value?: T, error?: any, settled: boolean }>}
 */
export async function settle (promise, clock, maxMs = 60_000) {
  /** @type {{ value?: T, error?: any, settled: boolean }} */
  const result = { settled: false }
  promise.then((value) => { result.value = value; result.settled = true }, (error) => { result.error = error; result.settled = true })
  const realStart = performance.now()
  for (let waited = 0; !result.settled && waited <= maxMs && performance.now() - realStart < 30_000;) {
    await flush()
    if (result.settled) break
    // without a clock only real work is awaited (crypto on a loaded machine may take a while): real time bounds it
    if (clock) {
      await clock.advance(100)
      waited += 100
    }
  }
  return result
}

/**
 * A configured owner with a page connected.
 * @param {{ skewMs?: number, graceSeconds?: number, accessSeconds?: number, config?: Record<string, unknown> }} [options]
 */
export async function startOwner (options = {}) {
  const clock = new FakeClock({ skewMs: options.skewMs })
  const network = new FakeNetwork()
  const server = new FakeKeycloak({ now: () => clock.trueNow, graceSeconds: options.graceSeconds ?? 10, accessSeconds: options.accessSeconds })
  const owner = makeOwner({ fetch: server.fetch, clock, network, origin: ORIGIN })
  const page = new FakePage()
  owner.connect(page)
  const configured = await settle(page.call('configure', {
    config: { issuer: ISSUER, clientId: CLIENT_ID, graceSeconds: options.graceSeconds ?? 10, refreshLeadSeconds: 15, proactiveRefresh: true, ...options.config }
  }))
  if (configured.error) throw configured.error
  return { clock, network, server, owner, page }
}

/**
 * An interactive login through the owner: begin-login, Keycloak issues a code for the URL's nonce, the page hands the
 * callback URL back.
 * @param {{ server: FakeKeycloak, page: FakePage, clock: FakeClock }} h
 * @param {{ user?: string, prompt?: string|null, silent?: boolean }} [options]
 */
export async function logIn (h, options = {}) {
  const begun = await settle(h.page.call('begin-login', { prompt: options.prompt ?? null, silent: options.silent ?? false, redirectUri: `${ORIGIN}/`, returnTo: '/' }))
  if (begun.error) throw begun.error
  const url = new URL(begun.value.url)
  const code = h.server.issueCode(String(url.searchParams.get('nonce')), options.user)
  const href = `${ORIGIN}/?state=${url.searchParams.get('state')}&code=${code}&iss=${encodeURIComponent(ISSUER)}`
  const done = await settle(h.page.call('callback', { href }), h.clock)
  if (done.error) throw done.error
  return done.value
}
