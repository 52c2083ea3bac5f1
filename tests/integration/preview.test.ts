import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import preview from '../../cli/commands/preview.js';
import type { CliContext } from '../../cli/context.js';
import { main } from '../../cli/main.js';
import { DynamoBriefStore } from '../../lambdas/adapters/dynamo-brief-store.js';
import { DynamoIssueStore } from '../../lambdas/adapters/dynamo-issue-store.js';
import { type BriefInput, BriefSchema } from '../../lambdas/core/brief.js';
import { browserSkipReason } from '../support/browser.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/** Width and height from a PNG's IHDR chunk. */
async function pngSize(path: string): Promise<{ width: number; height: number }> {
  const bytes = await readFile(path);
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('tidings preview', () => {
  let stack: TestStack;
  let out: string;
  let fixture: BriefInput[] = [];
  const lines: string[] = [];
  const errors: string[] = [];

  function context(): CliContext {
    return {
      config: stack.config,
      home: stack.home,
      out: (line) => lines.push(line),
      err: (line) => errors.push(line),
      stack: async () => stack,
    };
  }

  beforeAll(async () => {
    stack = await startTestStack();
    out = await mkdtemp(join(tmpdir(), 'tidings-preview-test-'));
    const raw = JSON.parse(
      await readFile(new URL('../fixtures/briefs/twelve-briefs.json', import.meta.url), 'utf8'),
    ) as { briefs: BriefInput[] };
    fixture = raw.briefs;
    const store = new DynamoBriefStore(stack.doc, stack.tables.briefs);
    for (const brief of raw.briefs)
      await store.upsert(BriefSchema.parse(brief), new Date('2026-11-30T05:00:00Z'));
  });

  afterAll(async () => {
    await stack?.close();
    if (out) await rm(out, { recursive: true, force: true });
  });

  it.skipIf(Boolean(browserSkipReason()))(
    'writes html, text, eml and two full-page screenshots of the issue the edition would get, sending nothing',
    async () => {
      const now = Date.now();
      // The fixture dates its briefs on the morning of 30 November 2026; later ones are not out yet.
      const expected = Math.min(
        12,
        fixture.filter((b) => Date.parse(b.publishedAt) <= now && Date.parse(b.updatedAt) <= now).length,
      );
      await stack.clearInbox();
      const code = await preview(['--edition', 'dc', '--out', out, '--offline'], context());
      expect(errors).toEqual([]);
      expect(code).toBe(0);

      // A preview sends nothing and records nothing.
      expect(await stack.inbox()).toEqual([]);
      const outbox = await readdir(join(stack.home, 'outbox'), { recursive: true }).catch(() => []);
      expect(outbox.filter((file) => String(file).endsWith('.eml'))).toEqual([]);
      expect(await new DynamoIssueStore(stack.doc, stack.tables.issues).listByEdition('dc')).toEqual([]);

      const html = await readFile(join(out, 'dc.html'), 'utf8');
      const { document } = parseHTML(html);
      // "In this issue" lists every brief the issue carries.
      expect(document.querySelectorAll('ol.toc li')).toHaveLength(expected);
      expect(html).not.toContain('%%TIDINGS_SLOT_');
      const unsubscribe = [...document.querySelectorAll('a')].find((a) => a.textContent === 'Unsubscribe');
      expect(unsubscribe?.getAttribute('href')).toMatch(/^http:\/\/127\.0\.0\.1:3000\/unsubscribe\?token=/);

      const text = await readFile(join(out, 'dc.txt'), 'utf8');
      expect(text).toContain('TIDINGS D.C.');
      expect(text).not.toMatch(/<\/?[a-z][^>]*>/i);

      const mail = await simpleParser(await readFile(join(out, 'dc.eml')));
      expect(mail.subject).toMatch(/^Tidings D\.C\.: /);
      expect(mail.html === html, 'the eml carries the same html').toBe(true);
      expect(mail.headers.get('list')).toMatchObject({
        'unsubscribe-post': { name: 'List-Unsubscribe=One-Click' },
      });

      const desktop = await pngSize(join(out, 'dc-desktop.png'));
      const mobile = await pngSize(join(out, 'dc-mobile.png'));
      expect(desktop.width).toBe(1024);
      expect(mobile.width).toBe(375);
      // Full page: far taller than one screen for twelve briefs.
      expect(mobile.height).toBeGreaterThan(812 * 5);
      expect(desktop.height).toBeGreaterThan(768 * 3);
      expect(lines.some((line) => line.startsWith('dc: ') && line.includes(`${expected} briefs`))).toBe(true);
      // It says which issue it is and when it would go: the edition's first issue, due now or next.
      expect(
        lines.some((line) =>
          /^dc: the next send, issue dc-\d{4}-\d{2}-\d{2}, goes .* UTC .*: the first issue/.test(line),
        ),
      ).toBe(true);
    },
    // Two full-page screenshots in Chromium: slow on a busy machine, so more than the default.
    120_000,
  );

  it.skipIf(Boolean(browserSkipReason()))(
    'shows the sample pictures in its screenshots without the local API running, and names an image that did not load',
    async () => {
      // Prepare: one brief of SG with a sample picture, one with a picture that does not exist.
      const store = new DynamoBriefStore(stack.doc, stack.tables.briefs);
      const base = stack.config.baseUrl;
      const [first] = fixture;
      if (!first) throw new Error('the fixture has no brief');
      for (const [n, file] of [
        [1, 'container-cranes-fog.jpg'],
        [2, 'no-such-picture.jpg'],
      ] as const) {
        await store.upsert(
          BriefSchema.parse({
            ...first,
            id: `sg-picture-${n}`,
            headline: `${first.headline} (${n})`,
            editions: ['sg'],
            image: { url: `${base}/samples/images/${file}`, alt: 'A sample picture' },
          }),
          new Date('2026-11-30T05:00:00Z'),
        );
      }
      errors.length = 0;

      // Act
      const code = await preview(['--edition', 'sg', '--out', out], context());

      // Assess: the sample picture was answered from samples/images/, the missing one is named.
      expect(code).toBe(0);
      const broken = errors.filter((line) => line.includes('did not load'));
      expect(broken).toEqual([
        `sg: an image did not load in the screenshots: ${base}/samples/images/no-such-picture.jpg`,
      ]);
    },
    120_000,
  );

  it('fails with a reason for an edition without briefs', async () => {
    errors.length = 0;
    const code = await preview(['--edition', 'lagos', '--out', out, '--offline'], context());
    expect(code).toBe(1);
    expect(errors.join('\n')).toMatch(/lagos: no briefs/);
  });

  it('exits 2 for an unknown edition or a missing --edition', async () => {
    expect(await main(['preview', '--edition', 'atlantis'])).toBe(2);
    expect(await main(['preview'])).toBe(2);
    expect(await main(['preview', '--edition', 'dc', '--bogus'])).toBe(2);
  });
});
