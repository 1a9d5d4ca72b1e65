/**
 * The read lease a query holds while it reads committed files (STORE-API.md):
 * `acquireReadLease` from read-lease.ts once the store lands it.
 */
import type { Store } from '../store.js';

/** A held read lease. */
export interface HeldLease {
  release(): Promise<void>;
}

/** Takes the store's read lease (a no-op until read-lease.ts lands). */
export async function takeReadLease(_store: Store): Promise<HeldLease> {
  return { release: async () => {} };
}
