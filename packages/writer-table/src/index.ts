/** @ferry/writer-table: the table store and the `table` writer plugin. */
export { openStore, resolveStoreDir, type Store } from './store.js';
export { listPending, reclaimDeadWrites, type PendingWrite } from './pending.js';
