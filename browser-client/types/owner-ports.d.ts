/**
 * A page's end of the conversation (MessagePort, or the dedicated worker's global scope).
 * @typedef {{ postMessage(message: any): void, onmessage: ((event: MessageEvent) => void)|null }} Port
 */
export class OwnerPorts {
    /**
     * @param {string} ownerId answered to `ping`
     * @param {(message: any) => Promise<any>} handle answers every other request
     */
    constructor(ownerId: string, handle: (message: any) => Promise<any>);
    /** The page that spoke last (it is visible, or was recently): silent logins run there. */
    get lastActive(): Port | null;
    /** @param {Port} port */
    connect(port: Port): void;
    /**
     * @param {string} event
     * @param {unknown} detail
     */
    broadcast(event: string, detail: unknown): void;
    #private;
}
/**
 * A page's end of the conversation (MessagePort, or the dedicated worker's global scope).
 */
export type Port = {
    postMessage(message: any): void;
    onmessage: ((event: MessageEvent) => void) | null;
};
