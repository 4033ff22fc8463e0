import { describe, expect, it } from 'vitest';
import {
  FileRejectedError,
  MAX_LINE_CHARS,
  MAX_RECORD_LINES,
  readCatalogCsv,
  type ParsedRecord,
} from './csv';

const HEADER = 'sku,name,kind,price_eur,price_usd,stock';

async function read(text: string | Uint8Array[], chunkSize = 7): Promise<ParsedRecord[]> {
  // Bytes arrive in small pieces, split anywhere (inside a line, a quote, a UTF-8 character).
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.concat(text);
  const pieces = async function* () {
    for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
  };
  const out: ParsedRecord[] = [];
  for await (const r of readCatalogCsv(pieces())) out.push(r);
  return out;
}

const rows = (records: ParsedRecord[]) => records.flatMap((r) => (r.ok ? [r.row] : []));
const rejections = (records: ParsedRecord[]) => records.flatMap((r) => (r.ok ? [] : [r.rejection]));

describe('readCatalogCsv', () => {
  it('reads rows with a BOM, CRLF, quoted fields with commas, escaped quotes and newlines', async () => {
    // Prepare
    const text =
      '\uFEFF' +
      [
        HEADER,
        'MUG-LOGO,"Mug, ""logo"" edition",physical,1250,1350,200',
        'EBOOK-1,"Guide, part 1\r\nand 2",digital,900,,',
        'GIFT-50,Gift card 50 €,giftcard,5000,5500,',
      ].join('\r\n') +
      '\r\n';
    // Act
    const records = await read(text);
    // Assess
    expect(rejections(records)).toEqual([]);
    expect(rows(records)).toEqual([
      {
        line: 2,
        sku: 'MUG-LOGO',
        name: 'Mug, "logo" edition',
        kind: 'physical',
        prices: { EUR: 1250, USD: 1350 },
        stock: 200,
      },
      { line: 3, sku: 'EBOOK-1', name: 'Guide, part 1\nand 2', kind: 'digital', prices: { EUR: 900 } },
      { line: 5, sku: 'GIFT-50', name: 'Gift card 50 €', kind: 'giftcard', prices: { EUR: 5000, USD: 5500 } },
    ]);
  });

  it('takes the header columns in any order and case, and a file without a final newline', async () => {
    const records = await read('Kind,SKU,Price_GBP,Name\nphysical,A-1,100,Thing');
    expect(rows(records)).toEqual([
      { line: 2, sku: 'A-1', name: 'Thing', kind: 'physical', prices: { GBP: 100 } },
    ]);
  });

  it('rejects each bad line with its line number and reason, and keeps every good one', async () => {
    const text = [
      HEADER, // 1
      'OK-1,One,physical,100,,1', // 2
      'BAD-FIELDS,Two,physical', // 3 missing fields
      'NEG-1,Three,physical,-5,,', // 4 negative price
      'FRAC-1,Four,physical,12.50,,', // 5 not minor units
      'KIND-1,Five,furniture,100,,', // 6 bad kind
      'OK-1,Six,physical,100,,', // 7 duplicate
      'QUOTE-1,"Se"ven,physical,100,,', // 8 broken quoting (balanced but invalid)
      'OK-2,Eight,digital,100,,', // 9
      'lower-sku,Nine,physical,100,,', // 10 bad SKU
      'NOPRICE-1,Ten,physical,,,', // 11 no price
      'STOCK-1,Eleven,physical,100,,-3', // 12 negative stock
      'OK-3,Twelve,giftcard,,200,', // 13
    ].join('\n');
    const records = await read(text);
    expect(rows(records).map((r) => r.sku)).toEqual(['OK-1', 'OK-2', 'OK-3']);
    expect(rejections(records)).toEqual([
      {
        line: 3,
        sku: 'BAD-FIELDS',
        reason: expect.stringMatching(/^missing fields: price_eur, price_usd, stock/),
      },
      { line: 4, sku: 'NEG-1', reason: 'price_eur: must not be negative' },
      { line: 5, sku: 'FRAC-1', reason: 'price_eur: must be a whole number of minor units (1250 for 12.50)' },
      { line: 6, sku: 'KIND-1', reason: expect.stringMatching(/^kind: /) },
      { line: 7, sku: 'OK-1', reason: 'duplicate SKU OK-1 (first on line 2)' },
      { line: 8, reason: expect.stringMatching(/^broken quoting: Invalid Closing Quote/) },
      { line: 10, sku: 'lower-sku', reason: expect.stringMatching(/^sku: /) },
      { line: 11, sku: 'NOPRICE-1', reason: 'prices: at least one price is required' },
      { line: 12, sku: 'STOCK-1', reason: 'stock: must not be negative' },
    ]);
  });

  it('gives up on a quote that never closes after a few lines and reads on from the next line', async () => {
    const lines = [HEADER, 'OPEN-1,"never closed,physical,100,,'];
    for (let i = 0; i < MAX_RECORD_LINES + 5; i++) lines.push(`OK-${i},Item ${i},physical,100,,`);
    const records = await read(lines.join('\n'));
    expect(rejections(records)).toEqual([
      { line: 2, reason: 'broken quoting: a quote opened on this line is never closed' },
    ]);
    expect(rows(records)).toHaveLength(MAX_RECORD_LINES + 5);
    expect(rows(records)[0]!.line).toBe(3);
  });

  it('rejects a quote left open at the end of the file, keeping the lines after it', async () => {
    const records = await read(
      [HEADER, 'OK-1,A,physical,1,,', 'OPEN-2,"B,physical,1,,', 'OK-3,C,physical,1,,'].join('\n'),
    );
    expect(rows(records).map((r) => r.sku)).toEqual(['OK-1', 'OK-3']);
    expect(rejections(records)).toEqual([{ line: 3, reason: expect.stringMatching(/never closed/) }]);
  });

  it('rejects invalid UTF-8 on the line where it appears', async () => {
    const bytes = [
      Buffer.from(`${HEADER}\nBIN-1,Caf`),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(',physical,1,,\nOK-1,Café,physical,1,,\n'),
    ];
    const records = await read(bytes);
    expect(rejections(records)).toEqual([{ line: 2, sku: 'BIN-1', reason: 'not valid UTF-8' }]);
    expect(rows(records)[0]).toMatchObject({ sku: 'OK-1', name: 'Café' });
  });

  it.each([64, 4096, 200_000])('skips a line far too long, read in pieces of %i bytes', async (size) => {
    const long = `LONG-1,${'x'.repeat(MAX_LINE_CHARS + 10)},physical,1,,`;
    const records = await read(`${HEADER}\n${long}\nOK-1,A,physical,1,,\n`, size);
    expect(rejections(records)).toEqual([{ line: 2, reason: expect.stringMatching(/longer than/) }]);
    expect(rows(records)).toEqual([expect.objectContaining({ sku: 'OK-1', line: 3 })]);
  });

  it.each([
    ['', /empty/],
    ['sku,name,price_eur\nA-1,x,1', /missing column kind/],
    ['sku,name,kind\nA-1,x,physical', /no price column/],
    ['sku,name,kind,price_jpy\n', /currency JPY is not offered/],
    ['sku,name,kind,price_eur,colour\n', /unknown column "colour"/],
  ])('rejects the whole file for a bad header (%j)', async (text, reason) => {
    await expect(read(text)).rejects.toThrow(FileRejectedError);
    await expect(read(text)).rejects.toThrow(reason);
  });
});
