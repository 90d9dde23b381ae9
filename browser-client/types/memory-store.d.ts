/**
 * @file A store with the interface of {@link import('./idb.js').IdbStore}, in memory: for tests, and for a browser without
 * IndexedDB (private modes of some browsers), where pending logins then live as long as the owner.
 */
export class MemoryStore {
    /** @param {string} key */
    get(key: string): Promise<any>;
    /** @param {string} key @param {unknown} value */
    put(key: string, value: unknown): Promise<void>;
    /** @param {string} key */
    delete(key: string): Promise<void>;
    /** @param {string} key */
    take(key: string): Promise<any>;
    /** @param {(value: any) => boolean} predicate */
    deleteWhere(predicate: (value: any) => boolean): Promise<void>;
    #private;
}
