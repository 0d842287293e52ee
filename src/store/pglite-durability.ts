/**
 * PGlite runs PostgreSQL in WebAssembly over Emscripten's NODEFS, whose files have no fsync:
 * with `fsync=on` PostgreSQL asks for every flush, and the request is dropped before it reaches
 * the kernel (checked with strace: zero fsync calls). The bytes still reach the OS at once
 * (NODEFS writes through), so a process crash loses nothing; a power loss could.
 *
 * So Rampart flushes on PostgreSQL's behalf: after every committed write it fsyncs the WAL
 * segments written since the last flush, before the commit is acknowledged to the caller; and
 * after a checkpoint (which may recycle WAL) and on close it fsyncs the whole data directory.
 */
import { closeSync, fsyncSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export class PgliteDurability {
  readonly #walDir: string;
  readonly #dataDir: string;
  #lastSyncMs = 0;

  constructor(dataDir: string) {
    this.#dataDir = dataDir;
    this.#walDir = join(dataDir, 'pg_wal');
  }

  /** fsync every WAL segment modified since the previous call (normally one). */
  syncWal(): void {
    const startedMs = Date.now();
    for (const name of readdirSync(this.#walDir)) {
      if (name.length !== 24) continue; // segment files are 24 hex digits; skip archive_status etc.
      const path = join(this.#walDir, name);
      // mtime has coarse granularity on some file systems: look back a second to be safe.
      if (statSync(path).mtimeMs + 1000 < this.#lastSyncMs) continue;
      fsyncPath(path);
    }
    this.#lastSyncMs = startedMs;
  }

  /** fsync every file and directory under the data directory (after checkpoints and on close). */
  syncAll(): void {
    syncTree(this.#dataDir);
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const TREE_DEPTH_MAX = 8; // PGDATA is at most base/<db>/<file>; the bound guards against link loops.

function syncTree(dir: string, depth = 0): void {
  if (depth > TREE_DEPTH_MAX) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) syncTree(path, depth + 1);
    else if (entry.isFile()) fsyncPath(path);
  }
  fsyncPath(dir);
}
