import { type CsvError, parse } from 'csv-parse/sync';

/** One CSV record: the line it starts on (1-based), its fields, and what is wrong with it, if anything. */
export interface CsvRecord {
  line: number;
  fields: string[];
  error?: string;
}

function lineBreaks(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** What a malformed record is reported as: short, and the same whatever the parser's wording. */
function reasonOf(error: CsvError | undefined): string {
  if (error?.code === 'CSV_QUOTE_NOT_CLOSED') return 'a quoted field is not closed';
  return `malformed CSV (${error?.code ?? 'unknown error'})`;
}

/**
 * Splits CSV text into records with csv-parse (RFC 4180: quotes, doubled quotes, line breaks
 * inside quotes; a byte-order mark, CRLF, LF and bare CR line ends, all read as LF, also inside
 * quoted fields), with the line each record starts on. Blank lines are skipped. A quote inside an unquoted field, or text after a closing
 * quote, is kept as text (the row then fails its own checks) rather than swallowing later rows;
 * an unclosed quote is reported on the line where it opens.
 */
export function parseCsvRecords(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  // One kind of line end, so the parser's line count is right inside quoted fields too.
  const parsed = parse(text.replace(/\r\n?/g, '\n'), {
    bom: true,
    record_delimiter: '\n',
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
    info: true,
    raw: true,
    skip_records_with_error: true,
    on_skip: (error, raw) => {
      // The error's line is where parsing stopped; the record began as many line breaks earlier.
      const ended = typeof error?.lines === 'number' ? error.lines : 1;
      const body = (raw ?? '').replace(/\n$/, '');
      records.push({ line: ended - lineBreaks(body), fields: [], error: reasonOf(error) });
      return undefined;
    },
  }) as unknown as { info: { lines: number }; record: string[] }[];
  for (const { info, record } of parsed) {
    if (record.length === 1 && record[0]?.trim() === '') continue;
    const inside = record.reduce((n, field) => n + lineBreaks(field), 0);
    records.push({ line: info.lines - inside, fields: record });
  }
  return records.sort((a, b) => a.line - b.line);
}
