import { countOf } from '../../lambdas/core/digest.js';
import { IssueNotFoundError, IssueStateError } from '../../lambdas/core/issue.js';
import { cancelIssue } from '../../lambdas/core/issue-life.js';
import { NotEligibleError } from '../../lambdas/core/send.js';
import { parseCommand } from '../args.js';
import { COMMAND_SPECS } from '../command-specs.js';
import type { CliContext } from '../context.js';
import { issueIdArg } from '../local/pipeline.js';
import { openTarget } from '../target.js';

/** Operation errors of the issue commands: the message, exit 1. Anything else propagates. */
export function reportIssueError(error: unknown, ctx: CliContext): number {
  if (
    error instanceof IssueNotFoundError ||
    error instanceof IssueStateError ||
    error instanceof NotEligibleError
  ) {
    ctx.err(error.message);
    return 1;
  }
  throw error;
}

/**
 * `tidings cancel <issue-id>`: stops an issue. Senders still working on it record `cancelled`
 * for every reader they have not mailed; readers no sender will reach are recorded here.
 */
export default async function cancel(args: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseCommand(COMMAND_SPECS.cancel, args);
  const issueId = issueIdArg(ctx.config, positionals[0]);
  const target = await openTarget(ctx);
  try {
    const { recorded } = await cancelIssue(target.wiring.operator(), issueId, target.wiring.clock.now());
    ctx.out(`cancelled ${issueId}: ${countOf(recorded, 'reader')} not yet mailed recorded as cancelled`);
    return 0;
  } catch (error) {
    return reportIssueError(target.failure(error), ctx);
  }
}
