/**
 * Reading a catalog CSV file as a stream of validated rows and rejected lines. Nothing
 * here holds the file: bytes go in, one logical record at a time comes out.
 *
 * Why the file is cut into records before csv-parse sees it: csv-parse's streaming
 * parser cannot resynchronise after a broken quote (with `skip_records_with_error` it
 * reports the error, then swallows every following record up to the next quote
 * character). So the stream is first cut into quote-balanced records (a newline inside
 * quotes belongs to the field), and each record is parsed by csv-parse on its own: a
 * broken row costs only itself. A quote that is never closed is given up after
 * MAX_RECORD_LINES lines: its first line is rejected and reading resumes on the next.
 *
 * Format: UTF-8 with or without BOM, LF or CRLF, `"` quoting with `""` escapes, a header
 * line naming the columns (any order, case-insensitive):
 *
 *   sku,name,kind,price_eur,price_usd,price_gbp,stock
 *
 * `sku`, `name`, `kind` and at least one `price_<currency>` column are required; `stock`
 * is optional. An empty price cell means "not offered in that currency", an empty stock
 * cell "leave the stock alone".
 */
import { CsvError, parse } from 'csv-parse/sync';
import * as z from 'zod/mini';
import '@order-platform/shared/zod-locale';
import {
  CURRENCIES,
  MAX_MINOR_UNITS,
  MAX_STOCK,
  kindSchema,
  skuSchema,
  type Currency,
  type Kind,
  type Prices,
} from './product';

/** A record may span at most this many lines (newlines inside quotes). */
export const MAX_RECORD_LINES = 20;
/** A line longer than this is not a catalog line (and would make us buffer the file). */
export const MAX_LINE_CHARS = 64 * 1024;

/** The whole file cannot be imported (bad header, not text): the job fails with this reason. */
export class FileRejectedError extends Error {
  override name = 'FileRejectedError';
}

export interface Rejection {
  /** 1-based physical line where the record starts (the header is line 1). */
  line: number;
  sku?: string;
  reason: string;
}

export interface ImportRow {
  line: number;
  sku: string;
  name: string;
  kind: Kind;
  prices: Prices;
  /** Counted sellable stock, when the row sets it. */
  stock?: number;
}

export type ParsedRecord = { ok: true; row: ImportRow } | { ok: false; rejection: Rejection };

interface LogicalRecord {
  line: number;
  text: string;
  /** Why this line cannot be a record (a quote never closed, a line far too long). */
  broken?: string;
}

const quotes = (s: string) => {
  let n = 0;
  for (let i = s.indexOf('"'); i !== -1; i = s.indexOf('"', i + 1)) n++;
  return n;
};

/** Cuts decoded text lines into quote-balanced records, giving up on a quote left open too long. */
class RecordCutter {
  private pending: { line: number; text: string }[] = [];
  private open = false;

  *push(line: number, text: string): Generator<LogicalRecord> {
    if (!this.open && this.pending.length === 0 && text.trim() === '') return;
    this.pending.push({ line, text });
    if (quotes(text) % 2 === 1) this.open = !this.open;
    if (!this.open) {
      const records = this.pending;
      this.pending = [];
      yield { line: records[0]!.line, text: records.map((r) => r.text).join('\n') };
    } else if (this.pending.length > MAX_RECORD_LINES) {
      yield* this.resync();
    }
  }

  /** The first pending line opened a quote that never closed: reject it, read the rest again. */
  private *resync(): Generator<LogicalRecord> {
    const [first, ...rest] = this.pending;
    this.pending = [];
    this.open = false;
    yield {
      line: first!.line,
      text: first!.text,
      broken: 'broken quoting: a quote opened on this line is never closed',
    };
    for (const r of rest) yield* this.push(r.line, r.text);
  }

  *end(): Generator<LogicalRecord> {
    while (this.pending.length) yield* this.resync();
  }
}

/**
 * Decodes UTF-8 (a BOM is dropped) and yields logical records with their first line
 * number. A line longer than MAX_LINE_CHARS is reported as broken and skipped to its end,
 * so nothing ever buffers more than one line.
 */
export async function* logicalRecords(
  bytes: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<LogicalRecord> {
  const decoder = new TextDecoder('utf-8'); // strips a leading BOM; bad bytes become U+FFFD
  const cutter = new RecordCutter();
  let carry = '';
  let lineNo = 0;
  let skipping = false;
  const tooLong = `line longer than ${MAX_LINE_CHARS} characters`;
  const lines = function* (text: string, final: boolean): Generator<LogicalRecord> {
    carry += text;
    let at: number;
    while ((at = carry.indexOf('\n')) !== -1) {
      const raw = carry.slice(0, at);
      carry = carry.slice(at + 1);
      lineNo++;
      if (skipping) {
        skipping = false;
        continue;
      }
      if (raw.length > MAX_LINE_CHARS) {
        yield { line: lineNo, text: '', broken: tooLong };
        continue;
      }
      yield* cutter.push(lineNo, raw.endsWith('\r') ? raw.slice(0, -1) : raw);
    }
    if (carry.length > MAX_LINE_CHARS) {
      if (!skipping) yield { line: lineNo + 1, text: '', broken: tooLong };
      skipping = true;
      carry = '';
    }
    if (final) {
      if (carry.length && !skipping)
        yield* cutter.push(++lineNo, carry.endsWith('\r') ? carry.slice(0, -1) : carry);
      carry = '';
      yield* cutter.end();
    }
  };
  for await (const chunk of bytes) {
    yield* lines(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }), false);
  }
  yield* lines(decoder.decode(), true);
}

// ------------------------------------------------------------------------------ header

export interface Header {
  /** Column index of each known column. */
  index: { sku: number; name: number; kind: number; stock?: number };
  currencies: { currency: Currency; index: number }[];
  width: number;
  names: string[];
}

const PRICE_COLUMN = /^price_([a-z]{3})$/;

export function parseHeader(fields: string[]): Header {
  const names = fields.map((f) => f.trim().toLowerCase());
  const seen = new Set<string>();
  const problems: string[] = [];
  const currencies: Header['currencies'] = [];
  const index: Partial<Header['index']> = {};
  names.forEach((name, i) => {
    if (seen.has(name)) problems.push(`column ${name} appears twice`);
    seen.add(name);
    const price = PRICE_COLUMN.exec(name);
    if (price) {
      const currency = price[1]!.toUpperCase() as Currency;
      if (!(CURRENCIES as readonly string[]).includes(currency))
        problems.push(`${name}: currency ${currency} is not offered (use ${CURRENCIES.join(', ')})`);
      else currencies.push({ currency, index: i });
    } else if (name === 'sku' || name === 'name' || name === 'kind' || name === 'stock') {
      index[name] = i;
    } else {
      problems.push(`unknown column "${fields[i]}"`);
    }
  });
  for (const required of ['sku', 'name', 'kind'] as const)
    if (index[required] === undefined) problems.push(`missing column ${required}`);
  if (currencies.length === 0) problems.push('no price column (price_eur, price_usd or price_gbp)');
  if (problems.length) throw new FileRejectedError(`Bad header: ${problems.join('; ')}`);
  return { index: index as Header['index'], currencies, width: names.length, names };
}

// ------------------------------------------------------------------------------ rows

/** A cell of whole minor units or stock: tells negative, fractional and non-numeric apart. */
const wholeNumberCell = (max: number, what: string) =>
  z.pipe(
    z.string(),
    z.transform((s, ctx) => {
      if (/^\d+$/.test(s)) {
        const n = Number(s);
        if (n <= max) return n;
        ctx.issues.push({ code: 'custom', input: s, message: `must be at most ${max}` });
      } else if (/^-\s*\d+(\.\d+)?$/.test(s)) {
        ctx.issues.push({ code: 'custom', input: s, message: 'must not be negative' });
      } else if (/^\d*[.,]\d+$/.test(s)) {
        ctx.issues.push({ code: 'custom', input: s, message: `must be a whole number of ${what}` });
      } else {
        ctx.issues.push({ code: 'custom', input: s, message: `must be a whole number, got "${s}"` });
      }
      return z.NEVER;
    }),
  );

const priceCell = wholeNumberCell(MAX_MINOR_UNITS, 'minor units (1250 for 12.50)');
const stockCell = wholeNumberCell(MAX_STOCK, 'units');

const rowSchema = z.object({
  sku: skuSchema,
  name: z.string().check(z.minLength(1, 'is required'), z.maxLength(200)),
  kind: kindSchema,
  prices: z
    .partialRecord(z.enum(CURRENCIES), priceCell)
    .check(z.refine((p) => Object.keys(p).length > 0, 'at least one price is required')),
  stock: z.optional(stockCell),
});

const describe = (issues: readonly { path: readonly PropertyKey[]; message: string }[]) =>
  issues
    .map((i) => {
      const [head, currency] = i.path.map(String);
      const field = head === 'prices' && currency ? `price_${currency.toLowerCase()}` : (head ?? 'row');
      return `${field}: ${i.message}`;
    })
    .join('; ');

/** Parses one logical record (csv-parse) and validates it against the header (zod/mini). */
export function parseRecord(record: { line: number; text: string }, header: Header): ParsedRecord {
  const reject = (reason: string, sku?: string): ParsedRecord => ({
    ok: false,
    rejection: { line: record.line, ...(sku ? { sku } : {}), reason },
  });
  let fields: string[];
  try {
    const parsed = parse(record.text, { relax_column_count: true, trim: true }) as string[][];
    fields = parsed[0] ?? [];
    if (parsed.length !== 1) return reject(`expected one record, found ${parsed.length}`);
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    return reject(`broken quoting: ${error.message.replace(/ at line \d+/, '')}`);
  }
  const cell = (i: number | undefined) => (i === undefined ? undefined : fields[i]);
  const sku = cell(header.index.sku) || undefined;
  if (fields.some((f) => f.includes('\uFFFD'))) return reject('not valid UTF-8', sku);
  if (fields.length !== header.width) {
    const missing = header.names.slice(fields.length);
    return reject(
      fields.length < header.width
        ? `missing fields: ${missing.join(', ')} (expected ${header.width} fields, got ${fields.length})`
        : `too many fields (expected ${header.width}, got ${fields.length})`,
      sku,
    );
  }
  const prices: Record<string, string> = {};
  for (const { currency, index } of header.currencies)
    if (fields[index] !== '') prices[currency] = fields[index]!;
  const stock = cell(header.index.stock);
  const result = rowSchema.safeParse({
    sku: fields[header.index.sku],
    name: fields[header.index.name],
    kind: fields[header.index.kind],
    prices,
    ...(stock ? { stock } : {}),
  });
  if (!result.success) return reject(describe(result.error.issues), sku);
  const { stock: counted, ...rest } = result.data;
  return {
    ok: true,
    row: { line: record.line, ...rest, ...(counted !== undefined ? { stock: counted } : {}) },
  };
}

/**
 * The whole file, record by record: the header first (a bad one rejects the file), then
 * every data record as a row or a rejection. A SKU seen before in the same file is
 * rejected (the first occurrence wins).
 */
export async function* readCatalogCsv(
  bytes: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<ParsedRecord> {
  let header: Header | undefined;
  const firstLine = new Map<string, number>();
  for await (const record of logicalRecords(bytes)) {
    if (!header) {
      if (record.broken) throw new FileRejectedError(`Bad header: ${record.broken}`);
      let fields: string[];
      try {
        fields = (parse(record.text, { trim: true, bom: true }) as string[][])[0] ?? [];
      } catch (error) {
        throw new FileRejectedError(`Bad header: ${(error as Error).message}`);
      }
      header = parseHeader(fields);
      continue;
    }
    if (record.broken) {
      yield { ok: false, rejection: { line: record.line, reason: record.broken } };
      continue;
    }
    const parsed = parseRecord(record, header);
    if (parsed.ok) {
      const first = firstLine.get(parsed.row.sku);
      if (first !== undefined) {
        yield {
          ok: false,
          rejection: {
            line: record.line,
            sku: parsed.row.sku,
            reason: `duplicate SKU ${parsed.row.sku} (first on line ${first})`,
          },
        };
        continue;
      }
      firstLine.set(parsed.row.sku, record.line);
    }
    yield parsed;
  }
  if (!header) throw new FileRejectedError('The file is empty: a header line is required');
}
