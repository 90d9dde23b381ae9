// @ts-check
/**
 * @file The token owner's side of its conversation with pages: every page's MessagePort (a SharedWorker's), the one page
 * of a dedicated worker, and ports that page attaches for other tabs (the Web Locks leader relays them, owner-link.js).
 * Requests are `{ id, type, ... }` and get `{ id, ok, result | error }`; events are `{ event, detail }` to every page.
 * `ping` is answered at once, whatever the owner is busy with, so a page can tell a live owner from a dead one.
 */
import { toErrorData } from './errors.js'

/**
 * A page's end of the conversation (MessagePort, or the dedicated worker's global scope).
 * @typedef {{ postMessage(message: any): void, onmessage: ((event: MessageEvent) => void)|null }} Port
 */

export class OwnerPorts {
  /** @type {Set<Port>} */
  #ports = new Set()
  /** @type {Port|null} */
  #lastActive = null
  #handle
  #ownerId

  /**
   * @param {string} ownerId answered to `ping`
   * @param {(message: any) => Promise<any>} handle answers every other request
   */
  constructor (ownerId, handle) {
    this.#ownerId = ownerId
    this.#handle = handle
  }

  /** The page that spoke last (it is visible, or was recently): silent logins run there. */
  get lastActive () { return this.#lastActive ?? this.#ports.values().next().value ?? null }

  /** @param {Port} port */
  connect (port) {
    this.#ports.add(port)
    port.onmessage = (event) => { this.#onMessage(port, event) }
  }

  /**
   * @param {string} event
   * @param {unknown} detail
   */
  broadcast (event, detail) {
    for (const port of this.#ports) {
      try {
        port.postMessage({ event, detail })
      } catch {
        this.#forget(port)
      }
    }
  }

  /**
   * @param {Port} port
   * @param {MessageEvent} event
   */
  async #onMessage (port, event) {
    const message = event.data
    if (message == null || typeof message !== 'object' || typeof message.type !== 'string') return
    if (message.type === 'bye') return this.#forget(port)
    if (message.type === 'attach') {
      // a port for another tab, handed over by the Web Locks leader's page
      const attached = event.ports?.[0]
      if (attached != null) this.connect(/** @type {any} */ (attached))
      return
    }
    this.#ports.add(port)
    const id = message.id
    if (message.type === 'ping') {
      if (id != null) port.postMessage({ id, ok: true, result: { owner: this.#ownerId } })
      return
    }
    // the silent-callback page hands over a code and goes: silent logins must not be sent to it
    if (message.type !== 'frame-callback') this.#lastActive = port
    try {
      const result = await this.#handle(message)
      if (id != null) port.postMessage({ id, ok: true, result })
    } catch (err) {
      if (id != null) port.postMessage({ id, ok: false, error: toErrorData(err) })
    }
  }

  /** @param {Port} port */
  #forget (port) {
    this.#ports.delete(port)
    if (this.#lastActive === port) this.#lastActive = null
  }
}
