import { DigestMessageBuilder } from '../../lambdas/adapters/digest-messages.js';
import { composeIssue } from '../../lambdas/core/compose.js';
import { countOf } from '../../lambdas/core/digest.js';
import { isValidEmail, normalizeEmail } from '../../lambdas/core/subscriber.js';
import { parseCommand } from '../args.js';
import { COMMAND_SPECS } from '../command-specs.js';
import { type CliContext, editionList, UsageError } from '../context.js';
import { MemorySendQueue } from '../local/memory-send-queue.js';
import { composeDeps, describeSummaries, servicesOf } from '../local/pipeline.js';
import { openTarget, runStagePass } from '../target.js';
import { localPass, reportFailedIssues } from './run.js';

/**
 * `tidings digest --edition E [--dry-run] [--to EMAIL]`: compose and send now. `--dry-run`
 * renders and counts readers only; `--to` sends one test copy to `outbox/tests/`, not recorded.
 */
export default async function digest(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommand(COMMAND_SPECS.digest, args);
  const editions = editionList(values.edition, ctx.config);
  if (editions.length === 0) throw new UsageError('digest needs --edition <id>');
  let testTo: string | undefined;
  if (values.to !== undefined) {
    testTo = normalizeEmail(values.to);
    if (!isValidEmail(testTo)) throw new UsageError(`--to needs a valid email address, got "${values.to}"`);
  }
  const target = await openTarget(ctx);
  const now = new Date();

  if (values['dry-run'] || testTo) {
    const services = await servicesOf(target.wiring);
    for (const edition of editions) {
      const dry = await composeIssue(composeDeps(services, new MemorySendQueue()), {
        edition,
        now,
        dryRun: true,
      });
      // Today's issue as stored, once it exists; otherwise the issue as it would be composed now.
      const stored = await services.issues.get(dry.issueId);
      const issue = stored?.html !== undefined ? stored : dry.issue;
      if (issue.html === undefined) {
        ctx.out(`${edition}: nothing to send (${issue.skipReason ?? 'no briefs'})`);
        continue;
      }
      if (values['dry-run']) {
        ctx.out(
          `${edition}: ${issue.id} would carry ${countOf(issue.briefIds.length, 'brief')} to ${countOf(dry.enqueued, 'active reader')}; ` +
            `subject "${issue.subject}", html ${issue.htmlBytes ?? 0} bytes${stored ? ` (issue already ${stored.state})` : ''}`,
        );
      }
      if (testTo) {
        const builder = new DigestMessageBuilder(target.config, await target.wiring.keyring());
        const message = await builder.buildTestCopy(issue, { email: testTo });
        const { messageId } = await services.mailer.send(message);
        ctx.out(
          `${edition}: test copy of ${issue.id} sent to ${testTo} (SES message id ${messageId}), not recorded`,
        );
      }
    }
    return 0;
  }

  if (target.kind === 'stage') {
    const summaries = await runStagePass(target, { now, editions, ingest: false });
    for (const line of describeSummaries(summaries)) ctx.out(line);
    return 0;
  }
  const summaries = await localPass(ctx, { now, editions, force: true, ingest: false });
  return summaries ? reportFailedIssues(summaries, ctx) : 1;
}
