// @ts-check
/**
 * @file The leader tab's side of the relay (owner-link.js, Web Locks election): each follower tab's requests, which arrive
 * over the BroadcastChannel, go to the owner over a port of that tab's own (`attach`), and the owner's answers and events on
 * that port go back to that tab only.
 */

/** @typedef {import('./owner-link.js').Sink} Sink */

export class LeaderRelay {
  #channel
  /** @type {Map<string, MessagePort>} a port on the owner per follower tab */
  #followers = new Map()

  /** @param {BroadcastChannel} channel */
  constructor (channel) {
    this.#channel = channel
  }

  /**
   * A follower's message to the owner; its first one attaches a port for it.
   * @param {Sink} owner the leader's dedicated worker
   * @param {string} from the follower's tab id
   * @param {any} message
   */
  forward (owner, from, message) {
    let port = this.#followers.get(from)
    if (port == null) {
      const channel = new MessageChannel()
      port = channel.port1
      port.onmessage = (event) => this.#channel.postMessage({ to: from, data: event.data })
      owner.postMessage({ type: 'attach' }, [channel.port2])
      this.#followers.set(from, port)
    }
    port.postMessage(message)
    if (message?.type === 'bye') {
      port.close()
      this.#followers.delete(from)
    }
  }

  /** This tab goes: the followers' ports close. */
  close () {
    for (const port of this.#followers.values()) port.close()
    this.#followers.clear()
  }
}
