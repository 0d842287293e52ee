// Proves the module rules of ARCHITECTURE.md hold, by reading every import in src/ and web/src:
// shared is a leaf, domain leaves do not import each other, http never touches the store,
// domain code never imports Fastify, folders are entered only through their index.ts, and the
// web app never imports server code.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';

const root = resolve(import.meta.dirname, '..');
const IMPORT_PATTERN =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
/** Domain leaves: each stands alone. */
const LEAVES = ['ledger', 'identity', 'risk'];

interface Edge {
  from: string; // path relative to root
  to: string; // resolved relative path, or the package name
  external: boolean;
}

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, out);
    else if (/\.tsx?$/.test(name)) out.push(path);
  }
  return out;
}

function edges(dir: string): Edge[] {
  const result: Edge[] = [];
  for (const file of files(join(root, dir))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT_PATTERN)) {
      const spec = match[1] ?? match[2];
      if (!spec) continue;
      const from = relative(root, file);
      if (spec.startsWith('.'))
        result.push({ from, to: relative(root, resolve(dirname(file), spec)), external: false });
      else result.push({ from, to: spec, external: true });
    }
  }
  return result;
}

const srcEdges = edges('src').filter(
  (e) => !e.from.endsWith('.test.ts') && !e.from.startsWith('src/testing/'),
);
const folderOf = (path: string) => path.split('/')[1] ?? '';
const isRootFile = (path: string) => path.split('/').length === 2;

describe('architecture', () => {
  test('the import scanner sees the codebase (guards against a vacuous pass)', () => {
    assert.ok(srcEdges.length > 50);
    assert.ok(
      srcEdges.some((e) => e.from === 'src/http/routes/ledger-routes.ts' && e.to === 'src/ledger/index.ts'),
    );
  });

  test('src/shared imports nothing else from src/', () => {
    const bad = srcEdges.filter(
      (e) => folderOf(e.from) === 'shared' && !e.external && folderOf(e.to) !== 'shared',
    );
    assert.deepEqual(bad, []);
  });

  test('domain leaves never import each other', () => {
    const bad = srcEdges.filter(
      (e) =>
        !e.external &&
        LEAVES.includes(folderOf(e.from)) &&
        LEAVES.includes(folderOf(e.to)) &&
        folderOf(e.from) !== folderOf(e.to),
    );
    assert.deepEqual(bad, []);
  });

  test('http never touches the store; domain code never imports Fastify', () => {
    const storeFromHttp = srcEdges.filter(
      (e) => folderOf(e.from) === 'http' && !e.external && folderOf(e.to) === 'store',
    );
    assert.deepEqual(storeFromHttp, []);
    const fastifyInDomain = srcEdges.filter(
      (e) => e.external && e.to.includes('fastify') && folderOf(e.from) !== 'http' && !isRootFile(e.from),
    );
    assert.deepEqual(fastifyInDomain, []);
  });

  test('a folder is entered only through its index.ts', () => {
    const bad = srcEdges.filter(
      (e) =>
        !e.external &&
        !isRootFile(e.from) &&
        folderOf(e.to) !== folderOf(e.from) &&
        !isRootFile(e.to) &&
        !e.to.endsWith('/index.ts'),
    );
    assert.deepEqual(bad, []);
  });

  test('the web app imports no server code (contracts/ is data both sides read)', () => {
    const webEdges = edges('web/src');
    const bad = webEdges.filter(
      (e) => !e.external && !e.to.startsWith('web/') && !e.to.startsWith('contracts/'),
    );
    assert.deepEqual(bad, []);
    assert.ok(
      webEdges.some((e) => e.to.startsWith('contracts/')),
      'the scanner sees contracts/',
    );
  });

  test('contracts/ imports nothing: it stays data, safe for the web app to read', () => {
    assert.deepEqual(
      edges('contracts').filter((e) => !e.to.startsWith('contracts/')),
      [],
    );
  });
});
