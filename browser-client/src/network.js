// @ts-check
/**
 * @file Whether the browser is online, as the token owner sees it from its worker: `navigator.onLine` and the `online`
 * event. Offline (no network interface) a request cannot leave the machine, so the owner does not send it and waits.
 * (`onLine` true says little: a request may still fail; that failure is then an unknown, not "never sent".)
 */

/**
 * @typedef {object} Network
 * @property {() => boolean} isOnline
 * @property {() => Promise<void>} whenOnline resolves at once when online, else on the next `online` event
 */

/** @returns {Network} */
export function browserNetwork () {
  return {
    isOnline: () => globalThis.navigator?.onLine !== false,
    whenOnline: () => globalThis.navigator?.onLine === false
      ? new Promise((resolve) => globalThis.addEventListener('online', () => resolve(undefined), { once: true }))
      : Promise.resolve()
  }
}
