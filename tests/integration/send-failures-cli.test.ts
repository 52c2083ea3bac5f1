import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import digest from '../../cli/commands/digest.js';
import run from '../../cli/commands/run.js';
import status from '../../cli/commands/status.js';
import type { CliContext } from '../../cli/context.js';
import { deliveryServices, runPass } from '../../cli/local/pipeline.js';
import { currentIssueId, localDate } from '../../lambdas/core/edition.js';
import type { Issue } from '../../lambdas/core/issue.js';
import { captureCli } from '../support/cli-capture.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * A failure between the claim and the SES call (here: an issue whose message cannot be built)
 * settles every reader as `failed` with its reason, leaves no claim, and makes `run --once` and
 * `digest` exit 1.
 */

let stack: TestStack;
const cli = captureCli();
const { out, err } = cli;
let ctx: CliContext;
const now = new Date();
let issueId: string;

beforeAll(async () => {
  stack = await startTestStack();
  const config = stack.config;
  ctx = cli.context(stack, config);
  // Seeds the sample readers; sends one edition normally.
  await runPass(stack, { now, force: true, seedSamples: true, editions: ['sg'], ingest: false });
  const edition = config.editions.find((e) => e.id === 'lagos');
  if (!edition) throw new Error('no lagos edition');
  issueId = currentIssueId(edition, now);
  // Today's issue stored `sending` without its rendered parts: no message can be built from it.
  const broken: Issue = {
    id: issueId,
    edition: 'lagos',
    localDate: localDate(now, edition.timeZone),
    state: 'sending',
    cutoff: now.toISOString(),
    briefIds: ['b1'],
    briefs: [],
    counts: { enqueued: 0, fanouts: 0 },
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  const services = await deliveryServices(stack);
  await services.issues.create(broken);
});
afterAll(async () => {
  await stack?.close();
});

const reset = cli.reset;

describe('an issue whose every send fails before SES', () => {
  it('digest exits 1, counts every reader failed and names the issue', async () => {
    reset();
    expect(await digest(['--edition', 'lagos'], ctx)).toBe(1);
    expect(out.join('\n')).toMatch(/0 emails sent \(0 in all, 0 skipped, [1-9]\d* failed, 0 unknown\)/);
    expect(err.join('\n')).toContain(`${issueId}: every send failed`);
  });

  it('leaves no claim: each reader is failed with the reason', async () => {
    reset();
    expect(await status(['--issue', issueId, '--recipients'], ctx)).toBe(0);
    const rows = out.slice(1);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatch(/ failed - message could not be built: .*no rendered digest/);
    expect(out[0]).not.toContain('in progress');
  });

  it('run --once exits 1 too, while the other editions send', async () => {
    reset();
    expect(await run(['--once'], ctx)).toBe(1);
    expect(err.join('\n')).toContain(`${issueId}: every send failed`);
    expect(err.join('\n')).not.toContain('sg-');
  });
});
