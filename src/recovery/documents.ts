/**
 * Document images of a manual recovery (ID card photos, a selfie with the card, a bank
 * statement): the type is decided by the file's first bytes, never by its name or the declared
 * content type; at most 5 MB each and 5 per request; stored outside the database, in the data
 * directory, each file sealed with its own data key (vault.ts), the wrapped key and the type in
 * the database. An operator reads them through the console; nothing else serves them.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert } from '../shared/index.ts';
import type { Vault } from './vault.ts';

export const DOCUMENT_BYTES_MAX = 5 * 1024 * 1024;
export const DOCUMENTS_PER_REQUEST_MAX = 5;
export const DOCUMENT_TYPES = ['image/jpeg', 'image/png', 'application/pdf'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** The type by magic bytes: JPEG FF D8 FF, PNG's 8-byte signature, PDF "%PDF-". */
export function sniffDocumentType(bytes: Buffer): DocumentType | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (
    bytes.length >= 8 &&
    bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  )
    return 'image/png';
  if (bytes.length >= 5 && bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  return null;
}

const DOCUMENT_ID_PATTERN = /^doc_[A-Za-z0-9_-]{8,64}$/;

export function createDocumentStore(input: { dir: string; vault: Vault }) {
  const { dir, vault } = input;
  const pathOf = (id: string) => {
    assert(DOCUMENT_ID_PATTERN.test(id), 'a document id is safe as a file name');
    return join(dir, `${id}.sealed`);
  };
  return {
    /** Seals and writes the file; returns what the database keeps. */
    write(id: string, bytes: Buffer): { keyId: string; wrappedDek: string } {
      const key = vault.newDataKey();
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(pathOf(id), vault.seal(key.dek, bytes, `document:${id}`), { mode: 0o600, flag: 'wx' });
      return { keyId: key.keyId, wrappedDek: key.wrappedDek };
    },
    read(id: string, sealed: { keyId: string; wrappedDek: string }): Buffer {
      return vault.open(vault.openDataKey(sealed), readFileSync(pathOf(id)), `document:${id}`);
    },
    pathOf,
  };
}

export type DocumentStore = ReturnType<typeof createDocumentStore>;
