// @ts-check
/**
 * @file A store with the interface of {@link import('./idb.js').IdbStore}, in memory: for tests, and for a browser without
 * IndexedDB (private modes of some browsers), where pending logins then live as long as the owner.
 */

export class MemoryStore {
  /** @type {Map<string, any>} */
  #entries = new Map()

  /** @param {string} key */
  async get (key) { return this.#entries.get(key) }

  /** @param {string} key @param {unknown} value */
  async put (key, value) { this.#entries.set(key, value) }

  /** @param {string} key */
  async delete (key) { this.#entries.delete(key) }

  /** @param {string} key */
  async take (key) {
    const value = this.#entries.get(key)
    this.#entries.delete(key)
    return value
  }

  /** @param {(value: any) => boolean} predicate */
  async deleteWhere (predicate) {
    for (const [key, value] of this.#entries) if (predicate(value)) this.#entries.delete(key)
  }
}
