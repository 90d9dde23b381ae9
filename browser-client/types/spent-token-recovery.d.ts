export class SpentTokenRecovery {
    /** @param {import('./refresh-run.js').RefreshRunDeps} deps */
    constructor(deps: import("./refresh-run.js").RefreshRunDeps);
    /** A new token set is installed: the next recovery starts without back-off. */
    reset(): void;
    /**
     * @param {string} why
     * @param {() => Error} offline reports "offline" and arranges the wake-up; returns the error to throw
     */
    run(why: string, offline: () => Error): Promise<void>;
    #private;
}
