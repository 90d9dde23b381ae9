// @ts-check
/**
 * @file A small key-value store on IndexedDB, usable from pages and workers. It holds what must survive the token owner
 * (a worker dies with its last tab, e.g. while that tab is on Keycloak's login page): pending logins and the DPoP key.
 * Never a token.
 */

const STORES = ['pending-logins', 'keys']

/**
 * What the owner needs of a store (IdbStore here, MemoryStore in tests and where IndexedDB is missing).
 * @typedef {object} KeyValueStore
 * @property {(key: string) => Promise<any>} get
 * @property {(key: string, value: unknown) => Promise<any>} put
 * @property {(key: string) => Promise<any>} delete
 * @property {(key: string) => Promise<any>} take reads and deletes in one step
 * @property {(predicate: (value: any) => boolean) => Promise<void>} deleteWhere
 */

/** @type {Map<string, Promise<IDBDatabase>>} */
const databases = new Map()

/**
 * @param {string} name
 * @returns {Promise<IDBDatabase>}
 */
function open (name) {
  let opening = databases.get(name)
  if (opening == null) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(name, 1)
      request.onupgradeneeded = () => {
        for (const store of STORES) request.result.createObjectStore(store)
      }
      request.onsuccess = () => {
        const db = request.result
        db.onversionchange = () => { db.close(); databases.delete(name) }
        db.onclose = () => databases.delete(name)
        resolve(db)
      }
      request.onerror = () => reject(request.error)
      request.onblocked = () => reject(new Error('IndexedDB open blocked'))
    })
    opening.catch(() => databases.delete(name))
    databases.set(name, opening)
  }
  return opening
}

/**
 * One transaction; resolves with the request's result once the transaction has committed.
 * @param {string} dbName
 * @param {string} store
 * @param {IDBTransactionMode} mode
 * @param {(store: IDBObjectStore) => IDBRequest} operation
 * @returns {Promise<any>}
 */
async function transaction (dbName, store, mode, operation) {
  const db = await open(dbName)
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode)
    const request = operation(tx.objectStore(store))
    tx.oncomplete = () => resolve(request.result)
    tx.onerror = () => reject(tx.error)
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
  })
}

/** A named object store in a named database. */
export class IdbStore {
  /**
   * @param {string} dbName
   * @param {'pending-logins'|'keys'} store
   */
  constructor (dbName, store) {
    this.dbName = dbName
    this.store = store
  }

  /** @param {string} key */
  get (key) { return transaction(this.dbName, this.store, 'readonly', (s) => s.get(key)) }

  /** @param {string} key @param {unknown} value */
  put (key, value) { return transaction(this.dbName, this.store, 'readwrite', (s) => s.put(value, key)) }

  /** @param {string} key */
  delete (key) { return transaction(this.dbName, this.store, 'readwrite', (s) => s.delete(key)) }

  /**
   * Reads and deletes in one transaction, so two tabs cannot both take the same entry.
   * @param {string} key
   * @returns {Promise<any>}
   */
  async take (key) {
    const db = await open(this.dbName)
    return new Promise((resolve, reject) => {
      const tx = db.transaction(this.store, 'readwrite')
      const objects = tx.objectStore(this.store)
      /** @type {any} */
      let value
      const request = objects.get(key)
      request.onsuccess = () => {
        value = request.result
        if (value !== undefined) objects.delete(key)
      }
      tx.oncomplete = () => resolve(value)
      tx.onerror = () => reject(tx.error)
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
    })
  }

  /**
   * Deletes every entry whose value matches, in one transaction.
   * @param {(value: any) => boolean} predicate
   * @returns {Promise<void>}
   */
  async deleteWhere (predicate) {
    const db = await open(this.dbName)
    return new Promise((resolve, reject) => {
      const tx = db.transaction(this.store, 'readwrite')
      const cursorRequest = tx.objectStore(this.store).openCursor()
      cursorRequest.onsuccess = () => {
        const cursor = cursorRequest.result
        if (cursor == null) return
        if (predicate(cursor.value)) cursor.delete()
        cursor.continue()
      }
      tx.oncomplete = () => resolve()
      tx.onerror = () => reject(tx.error)
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
    })
  }
}
