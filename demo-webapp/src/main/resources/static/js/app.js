// @ts-check
/**
 * @file The demo page: wires a {@link SilentRefreshClient} to the DOM of index.html.
 *
 * Demo knob: open the page with `?proactive=off` to disable the proactive refresh timer and watch
 * the lazy (expired before sending) and reactive (401 invalid_token, one retry) paths instead;
 * `?proactive=on` switches it back. The choice is remembered for this tab (sessionStorage), because
 * the login redirect comes back to the registered redirect URI without the query.
 *
 * Demo knob: `?client=dpop` logs in with the realm's second client, whose tokens are bound to a DPoP key (RFC 9449);
 * `?client=bearer` switches back. Remembered for this tab too.
 *
 * For browser tests: `window.__demo = { client, stats, log }`, see {@link DemoStats}; `log` holds
 * the newest 1000 entries, newest first (the page shows 200).
 */
import {
  SilentRefreshClient,
  SessionEndedError,
  RefreshUnavailableError
} from './silent-refresh/index.js'

const LOG_VIEW_LIMIT = 200
const LOG_MEMORY_LIMIT = 1000
const PARALLEL_CALLS = 20
const KNOB_KEY = 'demo:proactive'
const CLIENT_KNOB_KEY = 'demo:client'

/**
 * @typedef {object} DemoStats
 * @property {number} apiCalls API calls started through `client.fetch` by this tab.
 * @property {number} apiOk Those that ended with a 2xx response.
 * @property {number} apiFailed Those that ended with a non-2xx response or an error.
 * @property {number} refreshCalls Refresh requests the token owner sent to the token endpoint (the whole browser when the
 *   owner is shared, this tab's when it is dedicated).
 * @property {number} codeExchanges Code exchanges (logins, silent logins) of the token owner.
 * @property {number} retries Requests re-sent once after 401 invalid_token.
 * @property {number} replayCalls Raw token requests made by the replay demonstration (not in refreshCalls).
 * @property {string|null} ownerMode 'shared' (a SharedWorker), 'leader' or 'follower' (one owner elected with Web Locks; the
 *   leader's tab runs it), or 'dedicated' (one per tab).
 * @property {string|null} tokenType 'Bearer' or 'DPoP'.
 * @property {'loading'|'logged-out'|'logged-in'} state
 * @property {string|null} endedReason The reason shown on the login screen, or null.
 * @property {boolean} proactive Whether the proactive timer is enabled in this tab.
 * @property {number} loginViewShown How often this tab showed the login screen.
 */

/**
 * @typedef {{ time: number, tab: string, kind: string, message: string }} DemoLogEntry
 * @typedef {{ code: string, message: string }} Reason
 * @typedef {{ status: number, ok: boolean, body: any, retried: boolean }} ApiResult
 */

/** @type {DemoStats} */
const stats = {
  apiCalls: 0,
  apiOk: 0,
  apiFailed: 0,
  refreshCalls: 0,
  codeExchanges: 0,
  retries: 0,
  replayCalls: 0,
  ownerMode: null,
  tokenType: null,
  state: 'loading',
  endedReason: null,
  proactive: true,
  loginViewShown: 0
}
/** @type {DemoLogEntry[]} */
const log = []
/** @type {{ time: number, ok: boolean }[]} the newest 1000 API calls' outcomes, oldest first */
const calls = []
/** @type {SilentRefreshClient|null} */
let client = null
let tabId = '……'
let busy = false

/** What browser tests read: `window.__demo`. */
/** @type {{ client: SilentRefreshClient|null, stats: DemoStats, log: DemoLogEntry[], calls: { time: number, ok: boolean }[] }} */
const demo = { client, stats, log, calls }
Object.assign(window, { __demo: demo })

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
function el (id) {
  const found = document.getElementById(id)
  if (found == null) throw new Error(`index.html lacks #${id}`)
  return found
}

/** @param {string} id */
function button (id) {
  return /** @type {HTMLButtonElement} */ (el(id))
}

main().catch((err) => {
  addLog('error', `The page could not start: ${errorText(err)}`)
  showLoggedOut(`The page could not start: ${errorText(err)}`)
})

async function main () {
  const proactive = readProactiveKnob()
  stats.proactive = proactive
  el('mode').textContent = proactive
    ? 'Proactive refresh is on (a timer refreshes shortly before expiry). Add ?proactive=off to the URL to watch the reactive path.'
    : 'Proactive refresh is OFF: tokens are refreshed only when a call needs one (expired, or 401 invalid_token). Use ?proactive=on to switch it back.'
  setStatus('Loading…')

  const response = await fetch('/config.json', { headers: { Accept: 'application/json' }, cache: 'no-store' })
  if (!response.ok) throw new Error(`/config.json answered HTTP ${response.status}`)
  const config = await response.json()
  const dpop = readClientKnob() === 'dpop'
  el('client-mode').textContent = dpop
    ? `Client ${config.dpopClientId}: tokens bound to a DPoP key that cannot leave this browser. Use ?client=bearer to switch back.`
    : `Client ${config.clientId}: Bearer tokens. Use ?client=dpop to log in with DPoP-bound tokens.`

  client = new SilentRefreshClient({
    issuer: `${config.keycloakUrl}/realms/${encodeURIComponent(config.realm)}`,
    clientId: dpop ? config.dpopClientId : config.clientId,
    dpop,
    // the DPoP client's executor has bound-token-retry: an unanswered refresh is retried until an answer (contract 2)
    boundTokenRetry: dpop && config.refreshBoundTokenRetry === true,
    graceSeconds: config.refreshGraceSeconds,
    proactiveRefresh: proactive,
    // the library's owner plus the demo-only replay request
    workerUrl: '/js/demo-owner-worker.js'
  })
  tabId = client.tabId
  demo.client = client
  el('tab-id').textContent = tabId
  document.title = `Silent refresh demo · tab ${tabId}`
  wireClient(client)
  wireButtons(client)
  setInterval(renderTokens, 1000)

  const loggedIn = await client.init()
  stats.ownerMode = client.mode
  if (client.mode === 'leader') addLog('tab', 'This browser has no SharedWorker: this tab holds the token owner for every tab (Web Locks)')
  if (client.mode === 'follower') addLog('tab', 'This browser has no SharedWorker: the token owner runs in another tab (Web Locks)')
  if (client.mode === 'dedicated') addLog('tab', 'This browser has neither SharedWorker nor Web Locks: this tab has a token owner (and a login family) of its own')
  if (loggedIn) await showLoggedIn()
  else if (stats.state !== 'logged-in') showLoggedOut(reasonText(client.reason))
}

/** Reads `?proactive=off|on` and remembers it for this tab. */
function readProactiveKnob () {
  const value = new URLSearchParams(location.search).get('proactive')
  try {
    if (value === 'off') sessionStorage.setItem(KNOB_KEY, 'off')
    else if (value === 'on') sessionStorage.removeItem(KNOB_KEY)
    return sessionStorage.getItem(KNOB_KEY) !== 'off'
  } catch {
    return value !== 'off'
  }
}

/** Reads `?client=dpop|bearer` and remembers it for this tab. */
function readClientKnob () {
  const value = new URLSearchParams(location.search).get('client')
  try {
    if (value === 'dpop') sessionStorage.setItem(CLIENT_KNOB_KEY, 'dpop')
    else if (value === 'bearer') sessionStorage.removeItem(CLIENT_KNOB_KEY)
    return sessionStorage.getItem(CLIENT_KNOB_KEY) ?? 'bearer'
  } catch {
    return value ?? 'bearer'
  }
}

/** @param {SilentRefreshClient} c */
function wireClient (c) {
  const count = () => {
    stats.refreshCalls = c.counters.refreshRequests
    stats.codeExchanges = c.counters.codeExchanges
  }
  c.addEventListener('log', (event) => {
    const entry = /** @type {CustomEvent<{ kind: string, message: string, time: number }>} */ (event).detail
    addLog(entry.kind, entry.message, entry.time)
  })
  c.addEventListener('token-request', count)
  c.addEventListener('retry', () => { stats.retries++ })
  c.addEventListener('tokens', () => {
    count()
    stats.tokenType = c.tokenType
    renderTokens()
    // While loading, main() decides once init() resolves; later (e.g. a login in another tab) switch here.
    if (stats.state === 'logged-out') {
      showLoggedIn().catch((err) => addLog('error', errorText(err)))
    }
  })
  c.addEventListener('session-ended', () => showLoggedOut(reasonText(c.reason)))
  c.addEventListener('owner-restarted', () => { stats.ownerMode = c.mode })
  c.addEventListener('refresh-error', (event) => {
    const detail = /** @type {CustomEvent<{ message: string }>} */ (event).detail
    setStatus(`Logged in – ${detail.message}`)
  })
}

/** @param {SilentRefreshClient} c */
function wireButtons (c) {
  button('login-button').addEventListener('click', () => {
    button('login-button').disabled = true
    c.login().catch((err) => {
      button('login-button').disabled = false
      addLog('error', `Login could not start: ${errorText(err)}`)
    })
  })
  button('logout-button').addEventListener('click', () => {
    setBusy(true)
    c.logout()
      .then(({ endSessionSent }) => {
        if (!endSessionSent) addLog('error', 'Keycloak could not be reached: its session may still be live until it expires')
      })
      .catch((err) => addLog('error', `Logout failed: ${errorText(err)}`))
      .finally(() => setBusy(false))
  })
  button('call-api').addEventListener('click', () => exclusive(async () => {
    const me = await api('GET', '/api/me')
    const data = await api('GET', '/api/data')
    showResult({ '/api/me': summary(me), '/api/data': summary(data) })
  }))
  button('call-api-20').addEventListener('click', () => exclusive(async () => {
    const before = stats.refreshCalls
    const results = await Promise.all(Array.from({ length: PARALLEL_CALLS }, () => api('GET', '/api/me')))
    const ok = results.filter((r) => r.ok).length
    const retried = results.filter((r) => r.retried).length
    const message = `${PARALLEL_CALLS} parallel GET /api/me: ${ok} ok, ${PARALLEL_CALLS - ok} failed, ${retried} retried, ` +
      `${stats.refreshCalls - before} token-endpoint call(s) from this tab`
    addLog('api', message)
    showResult({ parallel: message, statuses: results.map((r) => r.status) })
  }))
  button('refresh-button').addEventListener('click', () => exclusive(async () => {
    try {
      await c.refresh()
    } catch (err) {
      addLog('error', `Refresh failed: ${errorText(err)}`)
    }
  }))
  button('replay-button').addEventListener('click', () => exclusive(() => replayDemo(c)))
}

/**
 * Demonstrates reuse detection: rotate twice, so that the token from before is two generations old (reuse even inside the
 * server's grace window), let the demo's worker replay it (the refresh token never leaves the worker), then let the client
 * refresh with its own, newest token, which the revoked session refuses.
 * @param {SilentRefreshClient} c
 */
async function replayDemo (c) {
  const steps = /** @type {string[]} */ ([])
  /** @param {string} line */
  const say = (line) => {
    steps.push(line)
    const target = el('replay-result')
    target.textContent = ''
    const list = document.createElement('ol')
    for (const text of steps) {
      const item = document.createElement('li')
      item.textContent = text
      list.append(item)
    }
    target.append(list)
    el('replay-section').hidden = false
  }
  el('replay-result').textContent = ''
  const oldGen = c.refreshTokenInfo?.generation ?? '?'
  if (!c.authenticated) {
    say('Not logged in: nothing to replay.')
    return
  }
  say(`Remembered the current refresh token (generation ${oldGen}), inside the token owner.`)
  try {
    await c.refresh()
    await c.refresh()
  } catch (err) {
    say(`The two refreshes needed for the demonstration failed: ${errorText(err)}`)
    return
  }
  say(`Refreshed twice: the session is now at generation ${c.refreshTokenInfo?.generation ?? '?'}, so the remembered token is two generations old.`)

  stats.replayCalls++
  /** @type {{ replayed: boolean, status?: number, error?: string|null, errorDescription?: string|null }} */
  let replay
  try {
    replay = await c.request('demo:replay')
  } catch (err) {
    say(`Could not replay the old token: ${errorText(err)}`)
    return
  }
  if (!replay.replayed) {
    say('The worker has no old token to replay.')
    return
  }
  const refusal = `HTTP ${replay.status} ${replay.error ?? ''}${replay.errorDescription ? ` – ${replay.errorDescription}` : ''}`
  if (replay.status === 400 && replay.error === 'invalid_grant') {
    addLog('error', `Replayed refresh token (generation ${oldGen}) refused: ${refusal}`)
    say(`Replayed the old token at the token endpoint: Keycloak refused it (${refusal}) and revoked the session.`)
  } else {
    addLog('error', `Replayed refresh token (generation ${oldGen}) was NOT refused: HTTP ${replay.status}`)
    say(`Replayed the old token: Keycloak answered ${refusal} – reuse detection does not seem to be active.`)
  }

  try {
    await c.refresh()
    say('The app refreshed with its newest token and the session is still alive (no reuse detection?).')
  } catch (err) {
    if (err instanceof SessionEndedError) {
      say(`Then the app tried to refresh with its own, newest token: refused too (${err.message}). ` +
        'The whole session was revoked, so this tab and every other tab are back at the login screen.')
    } else {
      say(`The app's own refresh failed without ending the session: ${errorText(err)}`)
    }
  }
}

/**
 * One API call through the client, counted and logged.
 * @param {string} method
 * @param {string} path
 * @returns {Promise<ApiResult>}
 */
async function api (method, path) {
  if (client == null) throw new Error('not started')
  stats.apiCalls++
  try {
    const res = await client.fetch(path, { method, headers: { Accept: 'application/json' } })
    const retried = client.wasRetried(res)
    const body = await res.json().catch(() => null)
    if (res.ok) stats.apiOk++
    else stats.apiFailed++
    recordCall(res.ok)
    const error = !res.ok && body?.error ? ` ${body.error}` : ''
    addLog('api', `${method} ${path} → ${res.status}${error}${retried ? ' (retried once)' : ''}`)
    return { status: res.status, ok: res.ok, body, retried }
  } catch (err) {
    stats.apiFailed++
    recordCall(false)
    const kind = err instanceof RefreshUnavailableError ? `Keycloak unavailable (${errorText(err)})` : errorText(err)
    addLog('error', `${method} ${path} failed: ${kind}`)
    return { status: 0, ok: false, body: { error: errorText(err) }, retried: false }
  }
}

/** @param {boolean} ok */
function recordCall (ok) {
  calls.push({ time: Date.now(), ok })
  if (calls.length > LOG_MEMORY_LIMIT) calls.shift()
}

/** @param {ApiResult} result */
function summary (result) {
  return { status: result.status, retried: result.retried, body: result.body }
}

/** @param {unknown} value */
function showResult (value) {
  el('api-result').textContent = JSON.stringify(value, null, 2)
}

/**
 * Runs one button action at a time.
 * @param {() => Promise<void>} action
 */
async function exclusive (action) {
  if (busy) return
  setBusy(true)
  try {
    await action()
  } catch (err) {
    addLog('error', errorText(err))
  } finally {
    setBusy(false)
  }
}

/** @param {boolean} value */
function setBusy (value) {
  busy = value
  for (const id of ['call-api', 'call-api-20', 'refresh-button', 'replay-button', 'logout-button']) {
    button(id).disabled = value
  }
  el('app-view').setAttribute('aria-busy', String(value))
}

async function showLoggedIn () {
  if (client == null) return
  stats.state = 'logged-in'
  stats.endedReason = null
  el('login-view').hidden = true
  el('app-view').hidden = false
  button('login-button').disabled = false
  renderTokens()
  stats.tokenType = client.tokenType
  const claims = client.idTokenClaims ?? client.accessTokenClaims ?? {}
  setUser(claims.name ?? claims.preferred_username ?? '…', claims.email ?? '…')
  setStatus('Logged in')
  const me = await api('GET', '/api/me')
  if (me.ok && me.body) {
    setUser(me.body.name || me.body.username || '(no name)', me.body.email || '(no e-mail)')
    setStatus(`Logged in as ${me.body.username ?? me.body.name ?? 'you'}`)
  }
}

/** @param {string} reason */
function showLoggedOut (reason) {
  stats.loginViewShown++
  stats.state = 'logged-out'
  stats.endedReason = reason || null
  el('app-view').hidden = true
  el('login-view').hidden = false
  button('login-button').disabled = false
  const target = el('login-reason')
  target.textContent = reason
  target.hidden = !reason
  setStatus(reason ? `Logged out – ${reason}` : 'Logged out')
  renderTokens()
}

/**
 * @param {string} name
 * @param {string} email
 */
function setUser (name, email) {
  el('user-name').textContent = name
  el('user-email').textContent = email
}

/** @param {Reason|null} reason */
function reasonText (reason) {
  if (reason == null) return ''
  switch (reason.code) {
    case 'revoked': return `Your session was revoked: ${reason.message}`
    case 'expired': return `Your session expired: ${reason.message}`
    case 'user_changed': return `Your session ended: ${reason.message}`
    case 'logged_out': return 'You logged out.'
    case 'peer_logout': return 'You logged out in another tab.'
    case 'silent_login_failed': return `Silent login failed: ${reason.message}`
    default: return `Login failed: ${reason.message}`
  }
}

function renderTokens () {
  if (client == null || !client.authenticated) {
    el('access-expires').textContent = '–'
    el('refresh-expires').textContent = '–'
    el('refresh-generation').textContent = '–'
    return
  }
  const now = Date.now()
  el('access-expires').textContent = remaining(client.accessTokenExpiresAt, now)
  el('refresh-expires').textContent = remaining(client.refreshTokenExpiresAt, now)
  const info = client.refreshTokenInfo
  const gen = info?.generation != null ? `generation ${info.generation}` : 'generation unknown'
  el('refresh-generation').textContent = info?.family ? `${gen} · family ${info.family.slice(0, 8)}` : gen
}

/**
 * @param {number|null} at
 * @param {number} now
 */
function remaining (at, now) {
  if (at == null) return 'no expiry'
  const seconds = Math.ceil((at - now) / 1000)
  if (seconds <= 0) return 'expired'
  const m = Math.floor(seconds / 60)
  const s = seconds % 60
  return m > 0 ? `${m} min ${String(s).padStart(2, '0')} s` : `${s} s`
}

/** @param {string} text */
function setStatus (text) {
  el('status').textContent = text
}

/**
 * @param {string} kind
 * @param {string} message
 * @param {number} [time]
 */
function addLog (kind, message, time = Date.now()) {
  /** @type {DemoLogEntry} */
  const entry = { time, tab: tabId, kind, message }
  log.unshift(entry)
  if (log.length > LOG_MEMORY_LIMIT) log.length = LOG_MEMORY_LIMIT

  const list = el('log')
  const item = document.createElement('li')
  item.className = `entry kind-${kind}`
  const stamp = document.createElement('time')
  stamp.dateTime = new Date(time).toISOString()
  stamp.textContent = new Date(time).toLocaleTimeString()
  const badge = document.createElement('span')
  badge.className = 'kind'
  badge.textContent = kind
  const tab = document.createElement('span')
  tab.className = 'tab'
  tab.textContent = `tab ${tabId}`
  const text = document.createElement('span')
  text.className = 'message'
  text.textContent = message
  item.append(stamp, ' ', badge, ' ', tab, ' ', text)
  list.prepend(item)
  while (list.children.length > LOG_VIEW_LIMIT) list.lastElementChild?.remove()
}

/** @param {unknown} err */
function errorText (err) {
  return err instanceof Error ? err.message : String(err)
}
