// @ts-check
/**
 * @file Script of the silent-callback page (the redirect URI of silent logins): hands its URL, with Keycloak's answer, to
 * the page of this origin that framed it (which takes only the answer to its own request, by `state`, and the owner only
 * a state it has pending), then removes code and state from its own address. Loaded on its own (not framed), it does
 * nothing but that removal.
 */
import { CALLBACK_MESSAGE } from './silent-login.js'

if (window.parent !== window) {
  window.parent.postMessage({ type: CALLBACK_MESSAGE, href: location.href }, location.origin)
}
history.replaceState(null, '', location.pathname)
