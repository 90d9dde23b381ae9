// @ts-check
/**
 * @file Script of the silent-callback page (the redirect URI of silent logins): hands its URL, with Keycloak's answer, to
 * the page that framed it, on this origin only.
 */
import { CALLBACK_MESSAGE } from './silent-login.js'

if (window.parent !== window) {
  window.parent.postMessage({ type: CALLBACK_MESSAGE, href: location.href }, location.origin)
}
