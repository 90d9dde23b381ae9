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
