// @ts-check
/**
 * @file Script of the silent-callback page (the redirect URI of silent logins). Removes code and state from its own address
 * at once, then answers the framing page: a code goes only to the token owner, which takes it only for a login it began
 * (frame-callback.js); the framing page hears the outcome. Loaded on its own (not framed), it does nothing but the removal.
 */
import { answerSilentCallback } from './frame-callback.js'

const href = location.href
const env = {
  href,
  parent: window.parent !== window ? window.parent : null,
  origin: location.origin,
  frameName: window.name,
  SharedWorker: globalThis.SharedWorker
}
history.replaceState(null, '', location.pathname)
answerSilentCallback(env).catch(() => {})
