export type {
  Database,
  LedgerAccountRow,
  LedgerEntryRow,
  LedgerTransferRow,
  NewLedgerEntry,
} from './schema.ts';
export { createScratchDatabase, dropScratchDatabase } from './scratch-database.ts';
export {
  durablePgliteStartParams,
  migrateToLatest,
  openStore,
  type Store,
  type StoreKind,
  type StoreOptions,
} from './store.ts';
