// Issue 14, items 5 and 6 on the page's side: a dead owner is noticed within seconds (not 30 s), the link reconnects and
// re-configures; without SharedWorker the tabs elect one owner with Web Locks, and a surviving tab takes over.
import assert from 'node:assert/strict'
import { mock, test } from 'node:test'
import { OwnerLink, PING_AFTER_MS, PING_TIMEOUT_MS } from '../src/owner-link.js'
import { FakeKeycloak } from './helpers/fake-keycloak.js'
import { CONFIG, FakeBus, FakeLocks, openPorts, sharedWorkerClass, workerClass } from './helpers/fake-browser.js'
import { flush, ORIGIN } from './helpers/owner-harness.js'
import { makeOwner } from './helpers/make-owner.js'

const realClock = { monotonic: () => performance.now(), wall: () => Date.now() }
const network = { isOnline: () => true, whenOnline: () => Promise.resolve() }
const newOwner = () => makeOwner({ fetch: new FakeKeycloak({ now: () => Date.now() }).fetch, clock: realClock, network, origin: ORIGIN })

/** @param {Partial<import('../src/owner-link.js').Platform>} platform */
function link (platform, restarts = []) {
  return new OwnerLink({
    workerUrl: 'owner-worker.js',
    name: 'silent-refresh:demo-spa',
    configuration: () => CONFIG,
    onEvent: () => {},
    onRestart: (why) => restarts.push(why),
    platform: /** @type {any} */ ({ SharedWorker: undefined, Worker: undefined, locks: undefined, BroadcastChannel: undefined, ...platform })
  })
}

test('a dead shared worker fails a call within seconds, and the next call reaches a new owner', async (t) => {
  mock.timers.enable({ apis: ['setTimeout'] })
  t.after(() => { mock.timers.reset(); for (const p of openPorts.splice(0)) p.close() })
  const counter = { started: 0 }
  const options = { dead: true, counter }
  const restarts = []
  const l = link({ SharedWorker: sharedWorkerClass(newOwner, options) }, restarts)
  /** @type {{ error?: any }} */
  const outcome = {}
  l.connect().catch((error) => { outcome.error = error })
  await flush()
  mock.timers.tick(PING_AFTER_MS) // the call waits: a ping
  await flush()
  mock.timers.tick(PING_TIMEOUT_MS) // no answer to it either
  await flush()
  assert.match(String(outcome.error?.message), /did not answer.*reconnecting/, 'the waiting call failed fast')
  assert.equal(restarts.length, 1)

  options.dead = false // the browser starts a new worker for the next connection
  const status = l.call('status')
  let answered = null
  status.then((s) => { answered = s })
  await flush()
  assert.equal(counter.started, 1, 'a reconnect waits a moment (owners that keep dying make no busy loop)')
  mock.timers.tick(1000)
  for (let i = 0; i < 20 && answered == null; i++) await flush()
  assert.equal(answered?.loggedIn, false, 'the new owner answered')
  assert.equal(counter.started, 2)
})

test('an owner that cannot start (error event) fails the waiting call at once; connect is tried again later', async (t) => {
  t.after(() => { for (const p of openPorts.splice(0)) p.close() })
  let instance = null
  const Failing = class {
    constructor () { instance = this; this.onerror = null; const c = new MessageChannel(); openPorts.push(c.port1, c.port2); this.port = c.port1 }
  }
  const l = link({ SharedWorker: /** @type {any} */ (Failing) })
  const connecting = l.connect()
  await flush()
  instance.onerror?.(new Event('error'))
  await assert.rejects(connecting, /could not start/)
})

test('without SharedWorker, Web Locks elect one owner for the tabs; when its tab goes, another tab takes over', async (t) => {
  const locks = new FakeLocks()
  const bus = new FakeBus()
  const counter = { started: 0 }
  const Worker = workerClass(newOwner, counter)
  const tab = (id, restarts) => link({ Worker: /** @type {any} */ (Worker), locks: locks.forTab(id), BroadcastChannel: bus.forTab(id) }, restarts)
  const restartsB = []
  const a = tab('a', [])
  const b = tab('b', restartsB)
  t.after(() => { a.close(); b.close() })
  await a.connect()
  await b.connect()
  assert.equal(a.mode, 'leader')
  assert.equal(b.mode, 'follower')
  const [sa, sb] = [await a.call('status'), await b.call('status')]
  assert.equal(counter.started, 1, 'one owner for both tabs')
  assert.equal(sa.owner, sb.owner, 'both tabs talk to the same owner')

  // the leader's tab is closed: its lock passes to the waiting tab, which starts the owner anew
  a.close()
  locks.kill('a')
  bus.kill('a')
  for (let i = 0; i < 20 && b.mode !== 'leader'; i++) await flush()
  assert.equal(b.mode, 'leader')
  assert.equal(restartsB.length, 1, 'the client hears of the new owner (its session is gone: silent login)')
  const after = await b.call('status')
  assert.notEqual(after.owner, sa.owner)
  assert.equal(counter.started, 2)
})

test('with Web Locks but no BroadcastChannel, or neither, each tab has its own owner', async () => {
  const counter = { started: 0 }
  const Worker = workerClass(newOwner, counter)
  const l = link({ Worker: /** @type {any} */ (Worker), locks: new FakeLocks().forTab('a') })
  await l.connect()
  assert.equal(l.mode, 'dedicated')
  assert.equal(counter.started, 1)
})
