// @ts-check
/**
 * @file The worker entry: `new SharedWorker(url, { type: 'module' })` (one owner per browser) or `new Worker(url, …)` (one per
 * tab where SharedWorker is missing). An app that wants hooks writes its own entry that calls {@link serveTokenOwner}.
 */
import { serveTokenOwner } from './owner.js'

serveTokenOwner(globalThis)
