// Fakes of what owner-link.js needs of a browser: Web Locks that die with their tab, a BroadcastChannel bus, workers that
// host a real TokenOwner in-process (or are dead), and SharedWorkers.
import { CLIENT_ID, ISSUER } from './fake-keycloak.js'

export class FakeLocks {
  /** @type {Map<string, string>} lock name -> holding tab */
  #held = new Map()
  /** @type {{ name: string, tab: string, grant: () => void }[]} */
  #queue = []

  /** The `navigator.locks` of one tab. */
  forTab (tab) {
    return /** @type {any} */ ({
      request: (name, options, callback) => {
        if (typeof options === 'function') { callback = options; options = {} }
        if (this.#held.has(name)) {
          if (options.ifAvailable) return Promise.resolve(callback(null))
          return new Promise((resolve) => this.#queue.push({ name, tab, grant: () => resolve(this.#hold(name, tab, callback)) }))
        }
        return Promise.resolve(this.#hold(name, tab, callback))
      }
    })
  }

  #hold (name, tab, callback) {
    this.#held.set(name, tab)
    return Promise.resolve(callback({ name })).finally(() => this.#release(name, tab))
  }

  #release (name, tab) {
    if (this.#held.get(name) !== tab) return
    this.#held.delete(name)
    const next = this.#queue.findIndex((q) => q.name === name)
    if (next >= 0) this.#queue.splice(next, 1)[0].grant()
  }

  /** The tab is closed: its locks are released, its waiting requests dropped. */
  kill (tab) {
    this.#queue = this.#queue.filter((q) => q.tab !== tab)
    for (const [name, holder] of [...this.#held]) if (holder === tab) this.#release(name, tab)
  }
}

export class FakeBus {
  /** @type {Set<{ name: string, tab: string, onmessage: ((e: { data: any }) => void)|null, closed: boolean }>} */
  channels = new Set()

  /** The BroadcastChannel class of one tab. */
  forTab (tab) {
    const bus = this
    return /** @type {any} */ (class {
      constructor (name) {
        this.name = name
        this.tab = tab
        this.onmessage = null
        this.closed = false
        bus.channels.add(this)
      }

      postMessage (data) {
        const copy = structuredClone(data)
        for (const other of bus.channels) {
          if (other !== this && other.name === this.name && !other.closed) queueMicrotask(() => other.onmessage?.({ data: copy }))
        }
      }

      close () { this.closed = true; bus.channels.delete(this) }
    })
  }

  kill (tab) { for (const c of [...this.channels]) if (c.tab === tab) c.close() }
}

/**
 * A Worker class whose workers host an owner made by `makeOwner()`, talking through the same messages as a real one.
 * @param {() => { connect(port: any): void }} makeOwner
 */
export function workerClass (makeOwner, counter = { started: 0 }) {
  return class FakeWorker {
    onmessage = null
    onerror = null
    constructor () {
      counter.started++
      const worker = this
      this.scope = {
        onmessage: null,
        postMessage (data) { const copy = structuredClone(data); queueMicrotask(() => worker.onmessage?.({ data: copy })) }
      }
      makeOwner().connect(this.scope)
    }

    postMessage (data, transfer = []) {
      const copy = structuredClone(data)
      queueMicrotask(() => this.scope.onmessage?.({ data: copy, ports: transfer }))
    }
  }
}

/** Every MessagePort the fakes made, to close after a test (an open port keeps node running). */
export const openPorts = []

/** A SharedWorker class; `dead: true` makes workers that never answer (a killed worker, a wrong URL). */
export function sharedWorkerClass (makeOwner, options = { dead: false, counter: { started: 0 } }) {
  let shared = null
  return class FakeSharedWorker {
    onerror = null
    constructor () {
      options.counter.started++
      const channel = new MessageChannel()
      openPorts.push(channel.port1, channel.port2)
      this.port = channel.port1
      if (options.dead) return
      shared ??= makeOwner()
      shared.connect(channel.port2)
      channel.port2.start?.()
    }
  }
}

export const CONFIG = { issuer: ISSUER, clientId: CLIENT_ID, graceSeconds: 10, refreshLeadSeconds: 15, proactiveRefresh: true }
