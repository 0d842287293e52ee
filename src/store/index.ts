export type { Database, LedgerAccountRow, LedgerEntryRow, LedgerTransferRow, NewLedgerEntry } from './schema.ts';
export { type Store, type StoreKind, type StoreOptions, durablePgliteStartParams, migrateToLatest, openStore } from './store.ts';
