// Builds the token owner under test with every dependency injected (see owner-harness.js).
import { TokenOwner } from '../../src/owner.js'
import { MemoryStore } from '../../src/memory-store.js'

/**
 * @param {{ fetch: typeof fetch, clock: { monotonic: () => number, wall: () => number }, network: { isOnline: () => boolean, whenOnline: () => Promise<void> }, origin: string }} env
 */
export function makeOwner (env) {
  return new TokenOwner({
    fetch: env.fetch,
    clock: { monotonic: env.clock.monotonic, wall: env.clock.wall },
    network: env.network,
    stores: { pendingLogins: new MemoryStore(), keys: new MemoryStore() },
    origin: env.origin
  })
}
