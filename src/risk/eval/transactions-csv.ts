/**
 * Streaming reader of labelled payments in the Fraud-Detection-Handbook's CSV shape (plain or
 * gzipped): one line at a time through node:zlib and readline, so memory does not grow with the
 * file. Only the columns the evaluation needs are read; TX_FRAUD_SCENARIO is never parsed (it must
 * never become a feature). A malformed row stops the reading with its line number and the reason.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

export const REQUIRED_COLUMNS = [
  'TRANSACTION_ID',
  'TX_DATETIME',
  'CUSTOMER_ID',
  'TERMINAL_ID',
  'TX_AMOUNT',
  'TX_FRAUD',
] as const;
/** A longer line is not this format (the handbook's are ~60 characters). */
export const LINE_CHARS_MAX = 4096;
const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
const DATETIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;
/** At most 10^13 major units. The handbook's file has float artefacts (85.64999999999999): more
 *  than 2 decimals are rounded to the nearest cent. */
const AMOUNT_PATTERN = /^\d{1,13}(?:\.\d{1,20})?$/;

export interface TransactionRow {
  readonly line: number;
  readonly transactionId: string;
  /** TX_DATETIME read as UTC. */
  readonly atMs: number;
  readonly customerId: string;
  readonly terminalId: string;
  readonly amountMinor: number;
  readonly fraud: boolean;
}

export class CsvFormatError extends Error {
  override name = 'CsvFormatError';
  readonly line: number;
  constructor(line: number, reason: string) {
    super(`line ${line}: ${reason}`);
    this.line = line;
  }
}

export interface CsvHeader {
  readonly columns: number;
  readonly index: Readonly<Record<(typeof REQUIRED_COLUMNS)[number], number>>;
}

export function parseHeader(line: string): CsvHeader {
  const names = line
    .replace(/^\uFEFF/, '')
    .trim()
    .split(',');
  const index = {} as Record<(typeof REQUIRED_COLUMNS)[number], number>;
  for (const column of REQUIRED_COLUMNS) {
    const at = names.indexOf(column);
    if (at < 0)
      throw new CsvFormatError(1, `the header lacks column ${column} (needs ${REQUIRED_COLUMNS.join(', ')})`);
    index[column] = at;
  }
  return { columns: names.length, index };
}

function parseUtc(text: string): number | undefined {
  const m = DATETIME_PATTERN.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Date.UTC rolls 2018-02-30 over to March: refuse dates that do not exist.
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59
  )
    return undefined;
  return ms;
}

export function parseRow(header: CsvHeader, text: string, line: number): TransactionRow {
  if (text.length > LINE_CHARS_MAX)
    throw new CsvFormatError(line, `longer than ${LINE_CHARS_MAX} characters`);
  if (text.includes('"')) throw new CsvFormatError(line, 'quoted fields are not supported');
  const cells = text.split(',');
  if (cells.length !== header.columns)
    throw new CsvFormatError(line, `has ${cells.length} fields, the header has ${header.columns}`);
  const cell = (column: (typeof REQUIRED_COLUMNS)[number]) => (cells[header.index[column]] ?? '').trim();
  const transactionId = cell('TRANSACTION_ID');
  if (!ID_PATTERN.test(transactionId))
    throw new CsvFormatError(line, `TRANSACTION_ID "${transactionId}" is not an id`);
  const datetime = cell('TX_DATETIME');
  const atMs = parseUtc(datetime);
  if (atMs === undefined)
    throw new CsvFormatError(line, `TX_DATETIME "${datetime}" is not YYYY-MM-DD HH:MM:SS`);
  const customerId = cell('CUSTOMER_ID');
  if (!ID_PATTERN.test(customerId))
    throw new CsvFormatError(line, `CUSTOMER_ID "${customerId}" is not an id`);
  const terminalId = cell('TERMINAL_ID');
  if (!ID_PATTERN.test(terminalId))
    throw new CsvFormatError(line, `TERMINAL_ID "${terminalId}" is not an id`);
  const amount = cell('TX_AMOUNT');
  if (!AMOUNT_PATTERN.test(amount))
    throw new CsvFormatError(line, `TX_AMOUNT "${amount}" is not a decimal amount`);
  const amountMinor = Math.round(Number(amount) * 100);
  const fraud = cell('TX_FRAUD');
  if (fraud !== '0' && fraud !== '1') throw new CsvFormatError(line, `TX_FRAUD "${fraud}" is not 0 or 1`);
  return { line, transactionId, atMs, customerId, terminalId, amountMinor, fraud: fraud === '1' };
}

/** Rows of the lines (header first), in time order; out-of-order times are refused. */
export async function* transactionRows(lines: AsyncIterable<string>): AsyncGenerator<TransactionRow> {
  let header: CsvHeader | undefined;
  let line = 0;
  let lastMs = Number.NEGATIVE_INFINITY;
  for await (const raw of lines) {
    line++;
    if (header === undefined) {
      header = parseHeader(raw);
      continue;
    }
    if (raw.trim() === '') continue;
    const row = parseRow(header, raw, line);
    if (row.atMs < lastMs)
      throw new CsvFormatError(line, 'TX_DATETIME goes back in time (rows must be sorted by time)');
    lastMs = row.atMs;
    yield row;
  }
  if (header === undefined) throw new CsvFormatError(1, 'the file is empty (no header)');
}

/** The lines of a .csv or .csv.gz file, streamed. */
export function fileLines(path: string): AsyncIterable<string> {
  const file = createReadStream(path);
  const input = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
  file.on('error', (error) => input.destroy(error));
  return createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
}
