import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import resend from '../../cli/commands/resend.js';
import status from '../../cli/commands/status.js';
import type { CliContext } from '../../cli/context.js';
import { deliveryServices, runPass } from '../../cli/local/pipeline.js';
import { currentIssueId } from '../../lambdas/core/edition.js';
import { captureCli } from '../support/cli-capture.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * An `unknown` reader is listed by `status` and never sent on a guess; `resend --unknown` sends
 * those readers once the operator has checked.
 */

let stack: TestStack;
const cli = captureCli();
const { out } = cli;
let ctx: CliContext;
const now = new Date();
let issueId: string;
const LOST = 'lost.reader@example.com';

beforeAll(async () => {
  stack = await startTestStack();
  ctx = cli.context(stack);
  await runPass(stack, { now, force: true, seedSamples: true, editions: ['sg'] });
  const edition = stack.config.editions.find((e) => e.id === 'sg');
  if (!edition) throw new Error('no sg edition');
  issueId = currentIssueId(edition, now);
  const services = await deliveryServices(stack);
  // A reader of the edition whose claim outlived its lease with no Send event: unknown.
  await services.subscribers.save({
    email: LOST,
    status: 'active',
    editions: ['sg'],
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    consent: { method: 'operator', givenAt: now.toISOString(), confirmedAt: now.toISOString() },
  });
  await services.ledger.create({
    issueId,
    email: LOST,
    state: 'unknown',
    claimToken: 'dead',
    claimedAt: now.toISOString(),
    reason: 'claim outlived its lease: SES may have sent it',
    updatedAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + 86_400,
  });
});
afterAll(async () => {
  await stack?.close();
});

const reset = cli.reset;

describe('unknown readers', () => {
  it('status lists them with what to do', async () => {
    reset();
    expect(await status(['--issue', issueId], ctx)).toBe(0);
    expect(out.join('\n')).toContain(`unknown ${LOST}`);
    expect(out.join('\n')).toContain(`tidings resend ${issueId} --unknown`);
  });

  it('a later pass never sends them on a guess', async () => {
    await stack.clearInbox();
    const [again] = await runPass(stack, { now, force: true, editions: ['sg'], ingest: false });
    expect(again?.outcome).toBe('refanout');
    const to = (await stack.inbox()).flatMap((e) => e.destination.to);
    expect(to.join(' ')).not.toContain(LOST);
  });

  it('resend --unknown sends them once, recorded sent; a second run finds none', async () => {
    reset();
    await stack.clearInbox();
    expect(await resend([issueId, '--unknown'], ctx)).toBe(0);
    expect(out.join('\n')).toContain(`${LOST} sent (SES message id`);
    const to = (await stack.inbox()).flatMap((e) => e.destination.to);
    expect(to.filter((t) => t.includes(LOST))).toHaveLength(1);
    const services = await deliveryServices(stack);
    expect((await services.ledger.get(issueId, LOST))?.state).toBe('sent');
    reset();
    expect(await resend([issueId, '--unknown'], ctx)).toBe(0);
    expect(out).toEqual([`${issueId}: no reader is unknown`]);
  });

  it('refuses --to with --unknown, and neither', async () => {
    await expect(resend([issueId, '--unknown', '--to', LOST], ctx)).rejects.toThrow('either');
    await expect(resend([issueId], ctx)).rejects.toThrow('--to EMAIL or --unknown');
  });
});
