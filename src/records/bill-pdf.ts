/**
 * The monthly bill as a PDF (issue 4 point 10), drawn with pdfkit: the month's totals by
 * category, the net, and the month's posted and pending rows. Chinese needs a CJK font, which
 * pdfkit does not ship: the first installed one of CJK_FONT_CANDIDATES is embedded (subset), so
 * names such as "*明" render. Without one, the bill falls back to English labels and the
 * standard Helvetica font, and any character Helvetica cannot draw becomes "?" (docs/records.md).
 */
import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { type Currency, formatMinorAsDecimal } from '../shared/index.ts';
import { BEIJING_OFFSET_MS, countsInBillTotals, type RecordType } from './constants.ts';
import type { RecordRow } from './record-rows.ts';
import type { BillCategory } from './records.ts';

/** TrueType/OpenType collections with Chinese glyphs, with the PostScript name of the face to take from a collection:
 *  Debian's fonts-wqy-zenhei (installed by .ci/run), fonts-noto-cjk, fonts-droid-fallback. */
export const CJK_FONT_CANDIDATES: readonly { readonly path: string; readonly family?: string }[] = [
  { path: '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', family: 'WenQuanYiZenHei' },
  { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', family: 'NotoSansCJKsc-Regular' },
  { path: '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf' },
];

/** Rows printed in one bill PDF: about 25 A4 pages; the CSV export has the rest. */
export const BILL_PDF_ROWS_MAX = 1_000;

export type BillLanguage = 'zh-CN' | 'en';

const LABELS = {
  en: {
    title: 'Rampart monthly bill',
    holder: 'Account holder',
    period: 'Period (Beijing time)',
    category: 'Category',
    count: 'Count',
    in: 'In',
    out: 'Out',
    net: 'Net',
    totals: 'Totals',
    rows: 'Transactions',
    time: 'Time',
    counterparty: 'Counterparty',
    amount: 'Amount',
    status: 'Status',
    none: 'No transactions this month.',
    truncated: 'The list is cut short; export the CSV for every row.',
    generated: 'Generated',
    types: {
      top_up: 'Top-up',
      withdraw: 'Withdrawal',
      transfer_out: 'Transfer sent',
      transfer_in: 'Transfer received',
      merchant_payment: 'Merchant payment',
      refund: 'Refund',
      credit_repayment: 'Credit repayment',
      other: 'Other',
    } satisfies Record<RecordType, string>,
    statuses: { posted: 'Done', pending: 'Pending', released: 'Released' },
  },
  'zh-CN': {
    title: 'Rampart 月度账单',
    holder: '账户持有人',
    period: '账单周期（北京时间）',
    category: '类别',
    count: '笔数',
    in: '收入',
    out: '支出',
    net: '净额',
    totals: '合计',
    rows: '交易明细',
    time: '时间',
    counterparty: '交易对方',
    amount: '金额',
    status: '状态',
    none: '本月没有交易。',
    truncated: '明细未列全；请导出 CSV 查看全部记录。',
    generated: '生成时间',
    types: {
      top_up: '充值',
      withdraw: '提现',
      transfer_out: '转账支出',
      transfer_in: '转账收入',
      merchant_payment: '商户消费',
      refund: '退款',
      credit_repayment: '信用还款',
      other: '其他',
    } satisfies Record<RecordType, string>,
    statuses: { posted: '已完成', pending: '处理中', released: '已退回' },
  },
} as const;

export function findCjkFont(): { path: string; family?: string } | undefined {
  return CJK_FONT_CANDIDATES.find((c) => existsSync(c.path));
}

function beijingTime(date: Date): string {
  return new Date(date.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

/** Helvetica (WinAnsi) draws Latin-1 only; anything else would print as garbage. */
function latinOnly(text: string): string {
  return text.replace(/[^\u0020-\u007e\u00a0-\u00ff]/g, '?');
}

export interface BillPdfInput {
  readonly month: string;
  readonly holder: string;
  readonly language: BillLanguage;
  readonly fromTime: Date;
  readonly toTime: Date;
  readonly categories: readonly BillCategory[];
  readonly rows: readonly RecordRow[];
  readonly rowsTruncated: boolean;
  readonly nowMs: number;
}

export async function renderBillPdf(
  input: BillPdfInput,
  options: { font?: { path: string; family?: string } | undefined } = { font: findCjkFont() },
): Promise<{ pdf: Buffer; language: BillLanguage }> {
  const font = options.font;
  // Without a CJK font the bill is in English: Chinese labels could not be drawn.
  const language: BillLanguage = font ? input.language : 'en';
  const text = font ? (s: string) => s : latinOnly;
  const L = LABELS[language];
  const doc = new PDFDocument({
    size: 'A4',
    margin: 48,
    info: { Title: `Rampart bill ${input.month}`, Author: 'Rampart', Subject: `Monthly bill ${input.month}` },
    lang: language,
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  if (font) {
    if (font.family) doc.registerFont('body', font.path, font.family);
    else doc.registerFont('body', font.path);
    doc.font('body');
  } else {
    doc.font('Helvetica');
  }

  const left = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const bottom = () => doc.page.height - doc.page.margins.bottom;
  const lineHeightPt = 16;
  let y = doc.page.margins.top;
  const newLineOrPage = (needPt = lineHeightPt) => {
    if (y + needPt > bottom()) {
      doc.addPage();
      y = doc.page.margins.top;
    }
  };
  const row = (cells: readonly { value: string; x: number; w: number; right?: boolean }[], size = 9) => {
    newLineOrPage();
    doc.fontSize(size);
    for (const cell of cells) {
      doc.text(text(cell.value), left + cell.x, y, {
        width: cell.w,
        align: cell.right ? 'right' : 'left',
        lineBreak: false,
        ellipsis: true,
      });
    }
    y += lineHeightPt;
  };

  doc.fontSize(18).text(text(`${L.title} ${input.month}`), left, y, { width });
  y += 30;
  row([{ value: `${L.holder}: ${input.holder}`, x: 0, w: width }], 10);
  row(
    [
      {
        value: `${L.period}: ${beijingTime(input.fromTime)} – ${beijingTime(new Date(input.toTime.getTime() - 60_000))}`,
        x: 0,
        w: width,
      },
    ],
    10,
  );
  y += 8;

  const money = (minor: bigint, currency: Currency) => `${formatMinorAsDecimal(minor, currency)} ${currency}`;
  const catCols = { cat: 0, count: 170, in: 230, out: 350 };
  row(
    [
      { value: L.category, x: catCols.cat, w: 160 },
      { value: L.count, x: catCols.count, w: 50, right: true },
      { value: L.in, x: catCols.in, w: 110, right: true },
      { value: L.out, x: catCols.out, w: 110, right: true },
    ],
    10,
  );
  const totals = new Map<Currency, { inMinor: bigint; outMinor: bigint }>();
  for (const c of input.categories) {
    row([
      { value: L.types[c.type], x: catCols.cat, w: 160 },
      { value: String(c.count), x: catCols.count, w: 50, right: true },
      { value: money(c.inMinor, c.currency), x: catCols.in, w: 110, right: true },
      { value: money(c.outMinor, c.currency), x: catCols.out, w: 110, right: true },
    ]);
    // A credit repayment is listed but not totalled: its spending was counted when made.
    if (!countsInBillTotals(c.type)) continue;
    const t = totals.get(c.currency) ?? { inMinor: 0n, outMinor: 0n };
    t.inMinor += c.inMinor;
    t.outMinor += c.outMinor;
    totals.set(c.currency, t);
  }
  for (const [currency, t] of totals) {
    row([
      { value: L.totals, x: catCols.cat, w: 160 },
      { value: money(t.inMinor, currency), x: catCols.in, w: 110, right: true },
      { value: money(t.outMinor, currency), x: catCols.out, w: 110, right: true },
    ]);
    row([{ value: `${L.net}: ${money(t.inMinor - t.outMinor, currency)}`, x: 0, w: width }]);
  }
  if (input.categories.length === 0) row([{ value: L.none, x: 0, w: width }]);

  y += 12;
  row([{ value: L.rows, x: 0, w: width }], 12);
  const cols = { time: 0, type: 90, party: 185, amount: 335, status: 445 };
  row(
    [
      { value: L.time, x: cols.time, w: 88 },
      { value: L.category, x: cols.type, w: 92 },
      { value: L.counterparty, x: cols.party, w: 145 },
      { value: L.amount, x: cols.amount, w: 105, right: true },
      { value: L.status, x: cols.status, w: 60 },
    ],
    9,
  );
  for (const r of input.rows) {
    row(
      [
        { value: beijingTime(r.createdAt), x: cols.time, w: 88 },
        { value: L.types[r.type], x: cols.type, w: 92 },
        { value: r.counterparty ?? '—', x: cols.party, w: 145 },
        { value: money(r.amountMinor, r.currency), x: cols.amount, w: 105, right: true },
        { value: L.statuses[r.status], x: cols.status, w: 60 },
      ],
      8,
    );
  }
  if (input.rowsTruncated) row([{ value: L.truncated, x: 0, w: width }], 8);
  y += 12;
  row([{ value: `${L.generated}: ${beijingTime(new Date(input.nowMs))} (UTC+8)`, x: 0, w: width }], 8);

  doc.end();
  await ended;
  return { pdf: Buffer.concat(chunks), language };
}
