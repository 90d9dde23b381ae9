// Evaluated by the browser tests inside the token owner's SharedWorker (through DevTools), where Playwright's clock and
// offline emulation do not reach. It emulates what a real device does to a worker, nothing more:
// - a wall clock that is off (Date.now() plus an offset), while performance.now() stays monotonic;
// - a suspend (lid closed): performance.now() stands still, the wall clock runs on, and a timer that comes due while
//   suspended fires only on resume, as on a sleeping laptop or phone.
// The client's own code is untouched; only the environment it reads is changed.
(() => {
  if (globalThis.__device != null) return 'already installed'
  const realDateNow = Date.now.bind(Date)
  const realPerformanceNow = performance.now.bind(performance)
  const realSetTimeout = globalThis.setTimeout.bind(globalThis)
  const state = { wallOffsetMs: 0, lostMs: 0, suspendedAt: null, deferred: [], suspends: 0 }

  Date.now = () => realDateNow() + state.wallOffsetMs
  performance.now = () => (state.suspendedAt ?? realPerformanceNow()) - state.lostMs
  globalThis.setTimeout = (callback, delay, ...args) => realSetTimeout(() => {
    if (state.suspendedAt != null) state.deferred.push(() => callback(...args))
    else callback(...args)
  }, delay)

  const device = {
    skewWallClock (ms) { state.wallOffsetMs += ms },
    suspend () {
      if (state.suspendedAt == null) { state.suspendedAt = realPerformanceNow(); state.suspends++ }
    },
    resume () {
      if (state.suspendedAt == null) return
      state.lostMs += realPerformanceNow() - state.suspendedAt
      state.suspendedAt = null
      for (const callback of state.deferred.splice(0)) callback()
    },
    get suspended () { return state.suspendedAt != null },
    get suspends () { return state.suspends }
  }
  globalThis.__device = device
  return 'installed'
})()
