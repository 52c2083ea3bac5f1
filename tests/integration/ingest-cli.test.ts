import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import briefs from '../../cli/commands/briefs.js';
import ingest, { adHocSourceId } from '../../cli/commands/ingest.js';
import type { CliContext } from '../../cli/context.js';
import { main } from '../../cli/main.js';
import { captureCli } from '../support/cli-capture.js';
import { startTestStack, type TestStack } from '../support/stack.js';

describe('tidings ingest and tidings briefs', () => {
  let stack: TestStack;
  const cli = captureCli();
  const { out, err } = cli;
  let ctx: CliContext;

  beforeAll(async () => {
    stack = await startTestStack();
  });

  afterAll(async () => {
    await stack.close();
  });

  beforeEach(() => {
    cli.reset();
    ctx = cli.context(stack);
  });

  it('ingests the configured sources and prints a summary per source', async () => {
    expect(await ingest([], ctx)).toBe(0);
    expect(out[0]).toMatch(/^sample-briefs: fetched \d+, new \d+, updated 0, unchanged 0, rejected 0$/);
  });

  it('ingests one given source with the editions given, printing rejections with their reasons', async () => {
    const code = await ingest(
      ['--source', 'tests/fixtures/feeds/rdf-sciencemag.xml', '--edition', 'sg,bxl'],
      ctx,
    );
    expect(code).toBe(0);
    const id = adHocSourceId('tests/fixtures/feeds/rdf-sciencemag.xml');
    expect(out[0]).toBe(`${id}: fetched 69, new 0, updated 0, unchanged 0, rejected 69`);
    expect(out[1]).toBe('  item 1: news: the item has no text (no description, summary or content)');

    out.length = 0;
    expect(
      await ingest(
        [
          '--source',
          'tests/fixtures/feeds/rss2-kernel-org-releases.xml',
          '--edition',
          'sg',
          '--edition',
          'bxl',
        ],
        ctx,
      ),
    ).toBe(0);
    expect(out[0]).toMatch(/fetched 1, new 1/);
    await briefs(['list', '--edition', 'bxl'], ctx);
    expect(out.some((line) => / sg,bxl 20\d\d-.* /.test(line))).toBe(true);
  });

  it('exits 2 with a reason when the given source cannot be read or parsed', async () => {
    expect(await ingest(['--source', 'tests/fixtures/feeds/README.md'], ctx)).toBe(2);
    expect(err[0]).toMatch(/failed: neither XML nor JSON/);
    expect(
      await ingest(['--source', 'tests/fixtures/feeds/atom-akamai-blog.xml', '--format', 'rss'], ctx),
    ).toBe(2);
    expect(err[1]).toMatch(/expected the rss format, but the document is atom/);
  });

  it('refuses bad usage', async () => {
    await expect(ingest(['--edition', 'paris'], ctx)).rejects.toThrow(/unknown edition "paris"/);
    await expect(ingest(['--source', 'x.xml', '--format', 'yaml'], ctx)).rejects.toThrow(
      /unknown format "yaml"/,
    );
    await expect(ingest(['--format', 'rss'], ctx)).rejects.toThrow(/--format applies to --source only/);
    await expect(briefs(['retract'], ctx)).rejects.toThrow(/usage/);
    await expect(briefs(['archive'], ctx)).rejects.toThrow(/usage/);
  });

  it('lists briefs one per line and retracts one, which then carries a mark', async () => {
    await ingest([], ctx);
    out.length = 0;
    expect(await briefs(['list', '--edition', 'dc'], ctx)).toBe(0);
    const line = out[0] ?? '';
    const [id = '', editions = '', updatedAt = ''] = line.split(' ');
    expect(editions.split(',')).toContain('dc');
    expect(updatedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await briefs(['retract', id], ctx)).toBe(0);
    out.length = 0;
    await briefs(['list', '--edition', 'dc'], ctx);
    expect(out.find((l) => l.startsWith(`${id} `))).toContain(' [retracted] ');
    await expect(briefs(['retract', 'no-such-brief'], ctx)).rejects.toThrow(
      /no brief with id "no-such-brief"/,
    );
  });

  it('maps bad usage to exit code 2 through the dispatcher', async () => {
    const code = await main(['briefs', 'retract'], { ...process.env, TIDINGS_HOME: stack.home });
    expect(code).toBe(2);
  });
});
