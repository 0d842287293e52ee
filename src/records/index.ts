export {
  BILL_PDF_ROWS_MAX,
  type BillLanguage,
  type BillPdfInput,
  CJK_FONT_CANDIDATES,
  findCjkFont,
  renderBillPdf,
} from './bill-pdf.ts';
export {
  BEIJING_OFFSET_MS,
  COUNTERPARTY_FILTER_LENGTH_MAX,
  countsInBillTotals,
  RECORD_SOURCES,
  RECORD_STATUSES,
  RECORD_TYPES,
  RECORDS_CSV_ROWS_MAX,
  RECORDS_PAGE_MAX,
  RECORDS_SCAN_MAX,
  type RecordSource,
  type RecordStatus,
  type RecordType,
  TYPES_OUTSIDE_BILL_TOTALS,
} from './constants.ts';
export {
  CSV_HEADER,
  csvField,
  csvLine,
  type RecordFilter,
  type RecordRow,
  recordTypeOf,
} from './record-rows.ts';
export {
  type BillCategory,
  type BillTotal,
  billTotals,
  createRecords,
  type Records,
  type RecordsPage,
  type RecordsQuery,
} from './records.ts';
