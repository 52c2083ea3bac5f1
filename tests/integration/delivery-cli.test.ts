import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import approve from '../../cli/commands/approve.js';
import cancel from '../../cli/commands/cancel.js';
import digest from '../../cli/commands/digest.js';
import resend from '../../cli/commands/resend.js';
import status from '../../cli/commands/status.js';
import { type CliContext, UsageError } from '../../cli/context.js';
import { runPass } from '../../cli/local/pipeline.js';
import { currentIssueId } from '../../lambdas/core/edition.js';
import { captureCli } from '../support/cli-capture.js';
import { startTestStack, type TestStack, testConfig } from '../support/stack.js';

/** The operator commands on a test stack, called as `tidings` calls them, with their output captured. */

let stack: TestStack;
const cli = captureCli();
const { out, err } = cli;
let ctx: CliContext;
const now = new Date();

beforeAll(async () => {
  const base = await testConfig();
  // BXL waits for approval in this test's configuration.
  const config = {
    ...base,
    editions: base.editions.map((e) => (e.id === 'bxl' ? { ...e, holdForApproval: true } : e)),
  };
  stack = await startTestStack({ config });
  ctx = cli.context(stack, config);
  await runPass(stack, { now, force: true, seedSamples: true, editions: ['bxl', 'sg', 'lagos'] });
});
afterAll(async () => {
  await stack?.close();
});

const reset = cli.reset;

const issueOf = (edition: string): string => {
  const config = stack.config.editions.find((e) => e.id === edition);
  if (!config) throw new Error(edition);
  return currentIssueId(config, now);
};

describe('delivery commands', () => {
  it('status lists recent issues with their ledger counts', async () => {
    reset();
    expect(await status([], ctx)).toBe(0);
    const sg = out.find((l) => l.startsWith(issueOf('sg')));
    expect(sg).toMatch(/ sent +recipients 4 sent 4 skipped 0 failed 0 unknown 0 cancelled 0/);
    expect(out.find((l) => l.startsWith(issueOf('bxl')))).toMatch(/ held /);
  });

  it('status --recipients gives one line per reader with state and SES message id', async () => {
    reset();
    expect(await status(['--issue', issueOf('sg'), '--recipients'], ctx)).toBe(0);
    const lines = out.slice(1);
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toMatch(/^\S+@\S+ sent ses-\d+$/);
  });

  it('approve sends a held issue once; approving again fails', async () => {
    await stack.clearInbox();
    reset();
    expect(await approve([issueOf('bxl')], ctx)).toBe(0);
    expect(out[0]).toMatch(/4 readers queued, 4 emails sent/);
    expect(await stack.inbox()).toHaveLength(4);
    reset();
    expect(await approve([issueOf('bxl')], ctx)).toBe(1);
    expect(err[0]).toMatch(/only a held issue can be approved/);
  });

  it('resend sends one more copy and records it; a reader of another edition is refused', async () => {
    await stack.clearInbox();
    reset();
    expect(await resend([issueOf('sg'), '--to', 'Priya.Raman@example.com'], ctx)).toBe(0);
    expect(await stack.inbox()).toHaveLength(1);
    reset();
    await status(['--issue', issueOf('sg'), '--recipients'], ctx);
    expect(out.find((l) => l.startsWith('priya.raman@example.com'))).toMatch(/resent 1x/);
    reset();
    expect(await resend([issueOf('sg'), '--to', 'tunde.bakare@example.org'], ctx)).toBe(1);
    expect(err[0]).toMatch(/not an active reader of sg/);
  });

  it('cancel refuses an issue that already went out', async () => {
    reset();
    expect(await cancel([issueOf('lagos')], ctx)).toBe(1);
  });

  it('digest --dry-run renders and counts without sending; --to sends one unrecorded test copy', async () => {
    await stack.clearInbox();
    reset();
    expect(await digest(['--edition', 'sg', '--dry-run'], ctx)).toBe(0);
    expect(out[0]).toMatch(/would carry \d+ briefs to 4 active readers/);
    expect(await stack.inbox()).toHaveLength(0);
    reset();
    expect(await digest(['--edition', 'sg', '--to', 'editor@example.net'], ctx)).toBe(0);
    expect((await stack.inbox()).map((e) => e.destination.to[0])).toEqual(['editor@example.net']);
    reset();
    await status(['--issue', issueOf('sg'), '--recipients'], ctx);
    expect(out.some((l) => l.includes('editor@example.net'))).toBe(false);
  });

  it.each([
    ['approve without an id', approve, []],
    ['approve of a malformed id', approve, ['dc-30-11-2026']],
    ['cancel of an unknown edition', cancel, ['atlantis-2026-11-30']],
    ['cancel of a path', cancel, ['../dc-2026-11-30']],
    ['resend without --to', resend, ['sg-2026-11-30']],
    ['resend to a non-address', resend, ['sg-2026-11-30', '--to', 'nobody']],
    ['status --recipients without --issue', status, ['--recipients']],
    ['status of a malformed issue', status, ['--issue', 'sg-2026-02-30x']],
    ['digest without an edition', digest, []],
    ['digest of an unknown edition', digest, ['--edition', 'sg,atlantis']],
    ['digest --to a non-address', digest, ['--edition', 'sg', '--to', 'a@b']],
  ] as const)('rejects %s as bad usage (exit 2)', async (_name, command, args) => {
    await expect(command([...args], ctx)).rejects.toThrow(UsageError);
  });

  it('rejects unknown flags as bad usage, suggesting the nearest', async () => {
    await expect(status(['--everything'], ctx)).rejects.toThrow(UsageError);
    await expect(status(['--recipeints'], ctx)).rejects.toThrow(/did you mean --recipients\?/);
  });

  it('reports an issue that does not exist as a failure (exit 1)', async () => {
    reset();
    expect(await status(['--issue', 'dc-1999-01-01'], ctx)).toBe(1);
    expect(await cancel(['dc-1999-01-01'], ctx)).toBe(1);
    expect(err).toEqual(['no issue dc-1999-01-01', 'no issue dc-1999-01-01']);
  });
});
