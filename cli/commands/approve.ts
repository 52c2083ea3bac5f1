import { approveIssue } from '../../lambdas/core/compose.js';
import { parseCommand } from '../args.js';
import { COMMAND_SPECS } from '../command-specs.js';
import type { CliContext } from '../context.js';
import { MemorySendQueue } from '../local/memory-send-queue.js';
import { deliveryServices, issueIdArg, localSender, operatorDeps } from '../local/pipeline.js';
import { reportIssueError } from './cancel.js';

/** `tidings approve <issue-id>`: releases an issue held for approval and sends it now. */
export default async function approve(args: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseCommand(COMMAND_SPECS.approve, args);
  const issueId = issueIdArg(ctx.config, positionals[0]);
  const stack = await ctx.stack();
  const services = await deliveryServices(stack);
  const queue = new MemorySendQueue();
  try {
    const { enqueued } = await approveIssue(operatorDeps(services, queue), issueId, new Date());
    const sender = localSender(services);
    await queue.drain(sender.handler);
    const sent = sender.tally.get(issueId)?.sent ?? 0;
    ctx.out(`approved ${issueId}: ${enqueued} readers queued, ${sent} emails sent`);
    return queue.dead.length > 0 ? 1 : 0;
  } catch (error) {
    return reportIssueError(error, ctx);
  }
}
