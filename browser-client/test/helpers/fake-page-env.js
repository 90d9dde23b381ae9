// A browser tab for the real SilentRefreshClient, in node: location, history, window, document, storage, and a SharedWorker
// whose instances host real token owners (one per worker name, as a browser keeps them) that can be killed. Hidden iframes
// play Keycloak's prompt=none answer (a code from the fake Keycloak while its SSO session lives, else login_required) and
// then run the real silent-callback code with that answer, as the callback page would in the frame.
import { CLIENT_ID, ISSUER } from './fake-keycloak.js'
import { openPorts } from './fake-browser.js'

export const APP = 'https://app.test'

/** sessionStorage / localStorage of a tab */
export function fakeStorage () {
  const map = new Map()
  return { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => map.set(k, String(v)), removeItem: (k) => map.delete(k) }
}

class FakeLocation {
  /** @param {string} href */
  constructor (href) { this.url = new URL(href) }
  get href () { return this.url.href }
  set href (value) { this.url = new URL(value, this.url) }
  get origin () { return this.url.origin }
  get pathname () { return this.url.pathname }
  get search () { return this.url.search }
  get hash () { return this.url.hash }
  /** @param {string} url */
  assign (url) { this.assigned.push(url) }
  assigned = /** @type {string[]} */ ([])
}

/** SharedWorkers of one browser: one owner per worker name while it lives; `kill` ends it without an error event. */
export class SharedWorkers {
  /** @type {Map<string, { owner: { connect(port: any): void }, ports: MessagePort[], dead: boolean }>} */
  instances = new Map()
  started = 0

  /** @param {() => { connect(port: any): void }} makeOwner */
  constructor (makeOwner) {
    this.makeOwner = makeOwner
  }

  /** The SharedWorker class of the browser. */
  get constructorClass () {
    const workers = this
    return class FakeSharedWorker {
      onerror = null
      /** @param {unknown} url @param {{ name?: string }} [options] */
      constructor (url, options = {}) {
        const name = options.name ?? ''
        let instance = workers.instances.get(name)
        if (instance == null || instance.dead) {
          workers.started++
          instance = { owner: workers.makeOwner(), ports: [], dead: false }
          workers.instances.set(name, instance)
        }
        const channel = new MessageChannel()
        openPorts.push(channel.port1, channel.port2)
        this.port = channel.port1
        instance.owner.connect(channel.port2)
        instance.ports.push(channel.port2)
      }
    }
  }

  /** The browser kills the worker (Android, `Target.closeTarget`): its ports stop answering, no error event. */
  kill (name) {
    const instance = this.instances.get(name)
    if (instance == null) return
    instance.dead = true
    for (const port of instance.ports) port.close()
  }
}

/**
 * Installs a tab's globals; returns what the test drives and reads.
 * @param {{ server: import('./fake-keycloak.js').FakeKeycloak, workers: SharedWorkers, href?: string }} options
 */
export function installTab ({ server, workers, href = `${APP}/` }) {
  const window = Object.assign(new EventTarget(), { name: '' })
  const env = {
    /** whether Keycloak's SSO session answers prompt=none with a code */
    ssoSession: true,
    /** false: Keycloak is slow or unreachable, the iframe's prompt=none request never answers (the page's timeout ends it) */
    keycloakAnswers: true,
    /** every message a callback frame posted to the page, as the page received it */
    framePosts: /** @type {any[]} */ ([]),
    frames: 0,
    location: new FakeLocation(href),
    window
  }
  const document = {
    visibilityState: 'visible',
    addEventListener () {},
    createElement: () => fakeIframe(),
    body: { append: (/** @type {any} */ iframe) => { env.frames++; runFrame(iframe).catch((err) => { env.frameError = err }) } }
  }
  Object.assign(globalThis, {
    window,
    document,
    location: env.location,
    history: { state: null, replaceState: (_s, _t, url) => { env.location.href = String(url) } },
    localStorage: fakeStorage(),
    sessionStorage: fakeStorage(),
    SharedWorker: workers.constructorClass
  })

  /** Keycloak answers the iframe's prompt=none request; the callback page's code runs with that answer. */
  async function runFrame (iframe) {
    if (!env.keycloakAnswers) return
    const request = new URL(iframe.src)
    const state = String(request.searchParams.get('state'))
    const answer = new URL(String(request.searchParams.get('redirect_uri')))
    answer.searchParams.set('state', state)
    if (env.ssoSession) {
      answer.searchParams.set('session_state', 'sso-1')
      answer.searchParams.set('code', server.issueCode(String(request.searchParams.get('nonce'))))
    } else {
      answer.searchParams.set('error', 'login_required')
    }
    answer.searchParams.set('iss', ISSUER)
    const parent = {
      postMessage: (data, targetOrigin) => {
        if (targetOrigin !== APP || iframe.removed) return
        const copy = structuredClone(data)
        env.framePosts.push(copy)
        window.dispatchEvent(Object.assign(new Event('message'), { data: copy, origin: APP, source: iframe.contentWindow }))
      }
    }
    const callback = await import('../../src/frame-callback.js').catch(() => null)
    if (callback?.answerSilentCallback) {
      await callback.answerSilentCallback({ href: answer.href, parent, origin: APP, frameName: iframe.name, SharedWorker: globalThis.SharedWorker })
    } else {
      // the callback page before issue 14's item 9: its URL to the framing page
      parent.postMessage({ type: 'silent-refresh:callback', href: answer.href }, APP)
    }
  }
  return env
}

function fakeIframe () {
  return {
    hidden: false, title: '', name: '', src: '', removed: false,
    contentWindow: {},
    setAttribute () {},
    remove () { this.removed = true }
  }
}

export const CLIENT_OPTIONS = {
  issuer: ISSUER, clientId: CLIENT_ID, graceSeconds: 10, proactiveRefresh: false, workerUrl: `${APP}/js/owner-worker.js`
}
