import { describe, expect, it } from 'vitest';
import { parseCsvRecords } from '../../../../lambdas/core/subscriptions/csv.js';

describe('parseCsvRecords', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks (as LF), numbering each record by its first line', () => {
    const records = parseCsvRecords('a,"b,c"\r\n"say ""hi""","two\r\nlines"\r\nnext,row\r\n');
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b,c'] },
      { line: 2, fields: ['say "hi"', 'two\nlines'] },
      { line: 4, fields: ['next', 'row'] },
    ]);
  });

  it('takes LF, CRLF and bare CR as line ends alike, drops a byte-order mark and skips blank lines', () => {
    const records = parseCsvRecords('\ufeffa,1\rb,2\n\nc,3\r\n   \r\nd,4');
    expect(records.map((r) => [r.line, r.fields[0]])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [4, 'c'],
      [6, 'd'],
    ]);
  });

  it('keeps stray quotes as text, so one bad row never swallows the rows after it', () => {
    const records = parseCsvRecords('a"b,1\n"x"y,2\n"multi\nline"z,3\nlast,4\n');
    expect(records.map((r) => [r.line, r.fields[0], r.error])).toEqual([
      [1, 'a"b', undefined],
      [2, '"x"y', undefined],
      [3, '"multi\nline"z', undefined],
      [5, 'last', undefined],
    ]);
  });

  it('reports an unclosed quote on the line where it opens, after the good rows before it', () => {
    const records = parseCsvRecords('ok,1\nalso,2\nbad,"never closed\nmore,3\n');
    expect(records).toEqual([
      { line: 1, fields: ['ok', '1'] },
      { line: 2, fields: ['also', '2'] },
      { line: 3, fields: [], error: 'a quoted field is not closed' },
    ]);
  });

  it('returns nothing for an empty file or one of blank lines', () => {
    expect(parseCsvRecords('')).toEqual([]);
    expect(parseCsvRecords('\n\r\n  \n')).toEqual([]);
  });
});
