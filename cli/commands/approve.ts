import { countOf } from '../../lambdas/core/digest.js';
import { approveIssue } from '../../lambdas/core/issue-life.js';
import { parseCommand } from '../args.js';
import { COMMAND_SPECS } from '../command-specs.js';
import type { CliContext } from '../context.js';
import { issueIdArg } from '../local/pipeline.js';
import { openTarget } from '../target.js';
import { reportIssueError } from './cancel.js';

/**
 * `tidings approve <issue-id>`: releases an issue held for approval. Locally it is sent now; on a
 * stage its readers go onto the stage's send queue, which the send function works through.
 */
export default async function approve(args: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseCommand(COMMAND_SPECS.approve, args);
  const issueId = issueIdArg(ctx.config, positionals[0]);
  const target = await openTarget(ctx);
  try {
    const { enqueued } = await approveIssue(target.wiring.operator(), issueId, target.wiring.clock.now());
    const delivered = await target.deliver();
    if (!delivered) {
      ctx.out(
        `approved ${issueId}: ${countOf(enqueued, 'reader')} queued on stage ${target.name}'s send queue`,
      );
      return 0;
    }
    const sent = delivered.tally.get(issueId)?.sent ?? 0;
    ctx.out(`approved ${issueId}: ${countOf(enqueued, 'reader')} queued, ${countOf(sent, 'email')} sent`);
    return delivered.dead > 0 ? 1 : 0;
  } catch (error) {
    return reportIssueError(target.failure(error), ctx);
  }
}
