import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxFileName } from '../../cli/local/outbox-mailer.js';
import { type EditionSummary, runPass } from '../../cli/local/pipeline.js';
import { currentIssueId } from '../../lambdas/core/edition.js';
import { type SesStoreEmail, startTestStack, type TestStack } from '../support/stack.js';

const run = promisify(execFile);

interface SampleReader {
  email: string;
  name: string;
  editions: string[];
}

const NOW = new Date('2026-11-30T12:00:00.000Z');

describe('one pass of the local pipeline (run --once)', () => {
  let stack: TestStack;
  let readers: SampleReader[];
  let first: EditionSummary[];
  let inboxAfterFirst: SesStoreEmail[];

  beforeAll(async () => {
    readers = (
      JSON.parse(await readFile('samples/subscribers.json', 'utf8')) as { subscribers: SampleReader[] }
    ).subscribers;
    stack = await startTestStack();
    await stack.clearInbox();
    first = await runPass(stack, { now: NOW, force: true, seedSamples: true });
    inboxAfterFirst = await stack.inbox();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('composes one issue per edition and sends it to each of its sample readers', () => {
    expect(first.map((s) => s.edition)).toEqual(stack.config.editions.map((e) => e.id));
    for (const summary of first) {
      const expected = readers.filter((r) => r.editions.includes(summary.edition)).length;
      expect(summary).toMatchObject({ outcome: 'composed', sent: expected });
      expect(summary.briefs).toBeGreaterThan(0);
      expect(summary.ledger.sent).toBe(expected);
    }
    expect(first[0]?.ingest?.[0]).toMatchObject({ source: 'sample-briefs' });
  });

  it('writes each digest to the outbox and the SES stand-in, with subject, html and text parts', async () => {
    for (const edition of stack.config.editions) {
      const issueId = currentIssueId(edition, NOW);
      const expected = readers.filter((r) => r.editions.includes(edition.id)).map((r) => r.email);
      const files = await readdir(join(stack.home, 'outbox', issueId));
      expect(files.sort()).toEqual(expected.map(outboxFileName).sort());

      const raw = await readFile(join(stack.home, 'outbox', issueId, outboxFileName(expected[0] ?? '')));
      const parsed = await simpleParser(raw);
      expect(parsed.subject).toMatch(new RegExp(`^Tidings ${edition.name.replace('.', '\\.')}: `));
      const head = raw.toString('latin1').split('\r\n\r\n')[0] ?? '';
      expect(head).toContain('\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n');
      expect(head).toMatch(
        /^List-Unsubscribe: <http[^>]+\/unsubscribe\?token=[^>]+>,\r\n <mailto:unsubscribe\+/m,
      );
      expect(parsed.text).toContain('unsubscribe');
      expect(parsed.html || '').toContain(stack.config.postalAddress.split(',')[0] ?? '');

      const received = inboxAfterFirst.filter((e) => e.subject.startsWith(`Tidings ${edition.name}:`));
      const to = received.flatMap((e) => e.destination.to).map((t) => /<([^>]+)>/.exec(t)?.[1] ?? t);
      expect(to.sort()).toEqual([...expected].sort());
      for (const email of received) {
        expect(email.body.html).toContain('<html');
        expect(email.body.text?.length ?? 0).toBeGreaterThan(200);
      }
    }
    const total = readers.reduce((n, r) => n + r.editions.length, 0);
    expect(inboxAfterFirst).toHaveLength(total);
  });

  it('sends nothing new on a second pass the same day', async () => {
    const second = await runPass(stack, {
      now: new Date(NOW.getTime() + 600_000),
      force: true,
      seedSamples: true,
    });
    expect(second.every((s) => s.outcome === 'refanout' && s.sent === 0)).toBe(true);
    expect(await stack.inbox()).toHaveLength(inboxAfterFirst.length);
  });

  it('runs as the real CLI: exit 0 and a digest in the outbox for all six editions', async () => {
    const home = await mkdtemp(join(tmpdir(), 'tidings-cli-'));
    try {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        TIDINGS_HOME: home,
        TIDINGS_DYNAMODB_PORT: '0',
        TIDINGS_SES_PORT: '0',
      };
      delete env.AWS_ENDPOINT_URL_DYNAMODB;
      delete env.AWS_ENDPOINT_URL_SES;
      const { stdout } = await run(process.execPath, ['cli/bin.js', 'run', '--once'], {
        env,
        timeout: 90_000,
      });
      expect(stdout).toContain('composed');
      const folders = await readdir(join(home, 'outbox'));
      for (const edition of ['dc', 'bxl', 'lagos', 'riyadh', 'beijing', 'sg']) {
        const folder = folders.find((f) => f.startsWith(`${edition}-`));
        expect(folder, edition).toBeDefined();
        expect((await readdir(join(home, 'outbox', folder ?? ''))).length).toBeGreaterThan(0);
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }, 120_000);
});
