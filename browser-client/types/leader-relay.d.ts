/**
 * @file The leader tab's side of the relay (owner-link.js, Web Locks election): each follower tab's requests, which arrive
 * over the BroadcastChannel, go to the owner over a port of that tab's own (`attach`), and the owner's answers and events on
 * that port go back to that tab only.
 */
/** @typedef {import('./owner-link.js').Sink} Sink */
export class LeaderRelay {
    /** @param {BroadcastChannel} channel */
    constructor(channel: BroadcastChannel);
    /**
     * A follower's message to the owner; its first one attaches a port for it.
     * @param {Sink} owner the leader's dedicated worker
     * @param {string} from the follower's tab id
     * @param {any} message
     */
    forward(owner: Sink, from: string, message: any): void;
    /** This tab goes: the followers' ports close. */
    close(): void;
    #private;
}
export type Sink = import("./owner-link.js").Sink;
