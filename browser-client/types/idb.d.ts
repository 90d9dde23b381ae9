/** A named object store in a named database. */
export class IdbStore {
    /**
     * @param {string} dbName
     * @param {'pending-logins'|'keys'} store
     */
    constructor(dbName: string, store: "pending-logins" | "keys");
    dbName: string;
    store: "keys" | "pending-logins";
    /** @param {string} key */
    get(key: string): Promise<any>;
    /** @param {string} key @param {unknown} value */
    put(key: string, value: unknown): Promise<any>;
    /** @param {string} key */
    delete(key: string): Promise<any>;
    /**
     * Reads and deletes in one transaction, so two tabs cannot both take the same entry.
     * @param {string} key
     * @returns {Promise<any>}
     */
    take(key: string): Promise<any>;
    /**
     * Deletes every entry whose value matches, in one transaction.
     * @param {(value: any) => boolean} predicate
     * @returns {Promise<void>}
     */
    deleteWhere(predicate: (value: any) => boolean): Promise<void>;
}
/**
 * What the owner needs of a store (IdbStore here, MemoryStore in tests and where IndexedDB is missing).
 */
export type KeyValueStore = {
    get: (key: string) => Promise<any>;
    put: (key: string, value: unknown) => Promise<any>;
    delete: (key: string) => Promise<any>;
    /**
     * reads and deletes in one step
     */
    take: (key: string) => Promise<any>;
    deleteWhere: (predicate: (value: any) => boolean) => Promise<void>;
};
