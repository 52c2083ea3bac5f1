import { resendCopy } from '../../lambdas/core/send.js';
import { isValidEmail, normalizeEmail } from '../../lambdas/core/subscriber.js';
import { parseCommand } from '../args.js';
import { COMMAND_SPECS } from '../command-specs.js';
import { type CliContext, UsageError } from '../context.js';
import { deliveryServices, issueIdArg, sendDeps } from '../local/pipeline.js';
import { reportIssueError } from './cancel.js';

/** `tidings resend <issue-id> --to EMAIL`: sends one reader their copy again, recorded on the ledger. */
export default async function resend(args: string[], ctx: CliContext): Promise<number> {
  const { positionals, values } = parseCommand(COMMAND_SPECS.resend, args);
  const issueId = issueIdArg(ctx.config, positionals[0]);
  const email = normalizeEmail(values.to ?? '');
  if (!isValidEmail(email))
    throw new UsageError(`--to needs a valid email address, got "${values.to ?? ''}"`);
  const stack = await ctx.stack();
  const services = await deliveryServices(stack);
  try {
    const result = await resendCopy(sendDeps(services), issueId, email);
    if (result.outcome !== 'sent') {
      ctx.err(`${issueId} to ${email}: not sent (${result.outcome})`);
      return 1;
    }
    ctx.out(
      `${issueId} sent ${result.first ? 'for the first time' : 'again'} to ${email} (SES message id ${result.messageId ?? '?'})`,
    );
    return 0;
  } catch (error) {
    return reportIssueError(error, ctx);
  }
}
