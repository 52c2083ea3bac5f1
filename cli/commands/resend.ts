import { resendCopy, resendUnknown } from '../../lambdas/core/send.js';
import { isValidEmail, normalizeEmail } from '../../lambdas/core/subscriber.js';
import { parseCommand } from '../args.js';
import { COMMAND_SPECS } from '../command-specs.js';
import { type CliContext, UsageError } from '../context.js';
import { type deliveryServices, issueIdArg, sendDeps } from '../local/pipeline.js';
import { commandServices } from '../target.js';
import { reportIssueError } from './cancel.js';

/**
 * `tidings resend <issue-id> --to EMAIL`: sends one reader their copy again, recorded on the ledger.
 * `tidings resend <issue-id> --unknown`: sends the readers whose send is `unknown`, once the
 * operator has checked they were not mailed (docs/delivery.md).
 */
export default async function resend(args: string[], ctx: CliContext): Promise<number> {
  const { positionals, values } = parseCommand(COMMAND_SPECS.resend, args);
  const issueId = issueIdArg(ctx.config, positionals[0]);
  if (values.unknown && values.to !== undefined) throw new UsageError('give either --to EMAIL or --unknown');
  if (!values.unknown && values.to === undefined)
    throw new UsageError('resend needs --to EMAIL or --unknown');
  const email = normalizeEmail(values.to ?? '');
  if (!values.unknown && !isValidEmail(email))
    throw new UsageError(`--to needs a valid email address, got "${values.to ?? ''}"`);
  const services = await commandServices(ctx);
  try {
    if (values.unknown) return await resendUnknownReaders(issueId, services, ctx);
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

async function resendUnknownReaders(
  issueId: string,
  services: Awaited<ReturnType<typeof deliveryServices>>,
  ctx: CliContext,
): Promise<number> {
  const results = await resendUnknown(sendDeps(services), issueId);
  if (results.length === 0) {
    ctx.out(`${issueId}: no reader is unknown`);
    return 0;
  }
  for (const r of results) {
    ctx.out(
      r.outcome === 'sent'
        ? `${r.email} sent (SES message id ${r.messageId ?? '?'})`
        : `${r.email} not sent (${r.outcome === 'already-done' ? 'settled meanwhile' : r.outcome})`,
    );
  }
  const sent = results.filter((r) => r.outcome === 'sent').length;
  ctx.out(`${issueId}: ${sent} of ${results.length} unknown readers sent`);
  return results.some((r) => r.outcome === 'failed' || r.outcome === 'retry') ? 1 : 0;
}
