// @ts-check
/**
 * @file What the silent-callback page does with Keycloak's answer to a `prompt=none` login in a hidden iframe.
 *
 * A **code** goes to the token owner only, never to the page that framed the callback: any script of this origin can frame
 * silent-callback.html with a `prompt=none` request of its own (its own `state` and PKCE verifier) and listen for messages,
 * so a callback page that posts its URL to its parent hands that script a code it can redeem. The owner takes a code only
 * for a `state` it has pending (a login it began, whose verifier only it holds), exchanges it, and the framing page hears
 * the outcome, without the code. An answer without a code (`login_required`, …) holds nothing to redeem and goes to the
 * framing page as it is (which decides on the top-level fallback).
 *
 * The owner is reached as a SharedWorker, whose script URL and name the framing page puts in the iframe's name; a name
 * that points elsewhere reaches no owner with that state pending, and a script URL must be an http(s) URL of this origin.
 * Without SharedWorker the owner is a dedicated worker that only its own tab can reach, so the code goes to the framing
 * page, as before: there this protection does not exist (README, "Where the tokens live").
 */
import { CALLBACK_MESSAGE, OWNER_EXCHANGE_WAIT_MS } from './silent-login.js'
import { sameOriginScript, workerScriptUrl } from './worker-url.js'

const FRAME_NAME_PREFIX = 'silent-refresh-owner:'

/**
 * @typedef {{ handled: boolean, loggedIn?: boolean, error?: string|null, message?: string|null }} CallbackOutcome what the
 *   owner did with a code (never the code, never a token)
 * @typedef {object} CallbackEnv
 * @property {string} href the callback page's URL: Keycloak's answer
 * @property {{ postMessage(message: any, targetOrigin: string): void }|null} parent the framing window (null: not framed)
 * @property {string} origin this origin
 * @property {string} frameName the iframe's name (`window.name`), where the framing page wrote the owner's address
 * @property {(typeof SharedWorker)|undefined} SharedWorker
 */

/**
 * The iframe name that tells the callback page where the owner is.
 * @param {{ workerUrl: string, name: string }} address
 */
export function frameNameFor (address) {
  return FRAME_NAME_PREFIX + JSON.stringify({ workerUrl: address.workerUrl, name: address.name })
}

/**
 * Answers Keycloak's redirect in a silent-login iframe (see the file comment).
 * @param {CallbackEnv} env
 * @returns {Promise<void>}
 */
export async function answerSilentCallback (env) {
  const { parent, origin } = env
  if (parent == null) return
  const answer = new URL(env.href)
  const state = answer.searchParams.get('state')
  if (state == null) return
  if (!answer.searchParams.has('code') || typeof env.SharedWorker !== 'function') {
    parent.postMessage({ type: CALLBACK_MESSAGE, state, href: env.href }, origin)
    return
  }
  // the code stays here; the framing page only learns that the answer came, then what the owner made of it
  parent.postMessage({ type: CALLBACK_MESSAGE, state, received: true }, origin)
  const address = ownerAddressOf(env.frameName, origin)
  const outcome = address == null ? { handled: false, error: 'no_owner' } : await handToOwner(env.SharedWorker, address, env.href)
  parent.postMessage({ type: CALLBACK_MESSAGE, state, outcome }, origin)
}

/**
 * @param {string} frameName
 * @param {string} origin
 * @returns {{ workerUrl: string, name: string }|null}
 */
function ownerAddressOf (frameName, origin) {
  if (typeof frameName !== 'string' || !frameName.startsWith(FRAME_NAME_PREFIX)) return null
  try {
    const address = JSON.parse(frameName.slice(FRAME_NAME_PREFIX.length))
    if (typeof address?.name !== 'string' || !address.name.startsWith('silent-refresh:')) return null
    return { workerUrl: sameOriginScript(String(address.workerUrl), `${origin}/`), name: address.name }
  } catch {
    return null
  }
}

/**
 * Connects to the owner (the same SharedWorker the tabs use) and hands it the answer.
 * @param {typeof SharedWorker} Shared
 * @param {{ workerUrl: string, name: string }} address
 * @param {string} href
 * @returns {Promise<CallbackOutcome>}
 */
async function handToOwner (Shared, address, href) {
  /** @type {MessagePort|null} */
  let port = null
  try {
    const worker = new Shared(workerScriptUrl(address.workerUrl), { type: 'module', name: address.name })
    const opened = worker.port
    port = opened
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ handled: false, error: 'timeout' }), OWNER_EXCHANGE_WAIT_MS)
      worker.onerror = () => { clearTimeout(timer); resolve({ handled: false, error: 'no_owner' }) }
      opened.onmessage = (event) => {
        const reply = event.data
        if (reply?.id !== 1) return
        clearTimeout(timer)
        const result = reply.ok ? reply.result : null
        resolve(result == null
          ? { handled: false, error: String(reply.error?.code ?? 'failed') }
          : { handled: result.handled === true, loggedIn: result.loggedIn === true, error: result.error ?? null, message: result.message ?? null })
      }
      opened.postMessage({ id: 1, type: 'frame-callback', href })
    })
  } catch {
    return { handled: false, error: 'no_owner' }
  } finally {
    try {
      port?.postMessage({ type: 'bye' })
      port?.close()
    } catch {}
  }
}
