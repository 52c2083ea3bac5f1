import { describe, expect, it } from 'vitest';
import { type ProgressStream, progressLine } from '../../../cli/progress.js';

function terminal(isTTY: boolean, columns = 80): ProgressStream & { written: string[] } {
  const written: string[] = [];
  return { isTTY, columns, written, write: (text: string) => written.push(text) };
}

/** A clock the test moves by hand. */
function clock(): { now: () => number; at: number } {
  const c = { at: 0, now: () => c.at };
  return c;
}

describe('progressLine', () => {
  it('writes nothing when the stream is not a terminal (piped or logged)', () => {
    const stream = terminal(false);
    const c = clock();
    const line = progressLine(stream, { now: c.now, env: {} });
    line.update('sending 1 of 900');
    c.at = 5000;
    line.update('sending 800 of 900');
    line.done();
    expect(stream.written).toEqual([]);
  });

  it('writes nothing on a terminal that cannot overwrite a line', () => {
    const stream = terminal(true);
    const c = clock();
    const line = progressLine(stream, { now: c.now, env: { TERM: 'dumb' } });
    line.update('a');
    c.at = 5000;
    line.update('b');
    expect(stream.written).toEqual([]);
  });

  it('shows nothing for work shorter than the delay', () => {
    const stream = terminal(true);
    const c = clock();
    const line = progressLine(stream, { now: c.now, env: {}, delayMs: 1000 });
    line.update('ingest: 1 of 3 sources');
    c.at = 900;
    line.update('ingest: 2 of 3 sources');
    line.done();
    expect(stream.written).toEqual([]);
  });

  it('overwrites one line in place on a terminal once work takes a while, and erases it at the end', () => {
    const stream = terminal(true);
    const c = clock();
    const line = progressLine(stream, { now: c.now, env: {}, delayMs: 1000, intervalMs: 100 });
    line.update('sending 0 of 900');
    c.at = 1000;
    line.update('sending 100 of 900');
    c.at = 1050;
    line.update('sending 150 of 900');
    c.at = 1100;
    line.update('sending 200 of 900');
    line.done();
    expect(stream.written).toEqual([
      '\rsending 100 of 900\u001b[K',
      '\rsending 200 of 900\u001b[K',
      '\r\u001b[K',
    ]);
  });

  it('erases the line before other output and shows it again on the next update', () => {
    const stream = terminal(true);
    const c = clock();
    const line = progressLine(stream, { now: c.now, env: {}, delayMs: 0 });
    line.update('a');
    line.clear();
    line.clear();
    line.update('b');
    expect(stream.written).toEqual(['\ra\u001b[K', '\r\u001b[K', '\rb\u001b[K']);
  });

  it('cuts a line wider than the terminal so it never wraps', () => {
    const stream = terminal(true, 20);
    const line = progressLine(stream, { now: () => 0, env: {}, delayMs: 0 });
    line.update('ingest: 12 of 40 sources fetched (reuters-world)');
    expect(stream.written).toEqual(['\ringest: 12 of 40 s…\u001b[K']);
  });
});
