import { countLedger, type Issue, type LedgerEntry } from '../../lambdas/core/issue.js';
import { sendingProgress } from '../../lambdas/core/recovery.js';
import { waveCounts } from '../../lambdas/core/waves.js';
import { parseCommand } from '../args.js';
import { COMMAND_SPECS } from '../command-specs.js';
import { type CliContext, UsageError } from '../context.js';
import { issueIdArg } from '../local/pipeline.js';
import { commandServices } from '../target.js';

const RECENT_PER_EDITION = 10;
const RECENT = 20;

/**
 * `tidings status [--issue ID] [--recipients]`: without `--issue`, one line per recent issue with
 * its ledger counts; with it, that issue's line, and with `--recipients` one line per recipient.
 */
export default async function status(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommand(COMMAND_SPECS.status, args);
  if (values.recipients && !values.issue) throw new UsageError('--recipients needs --issue <issue-id>');
  const services = await commandServices(ctx);

  const line = async (issue: Issue, rows?: LedgerEntry[]): Promise<string> => {
    const all = rows ?? [];
    if (!rows) for await (const row of services.ledger.list(issue.id)) all.push(row);
    const c = countLedger(all);
    const recipients = Math.max(c.total, issue.counts.enqueued);
    const progress =
      issue.state === 'sending' ? sendingProgress(issue, all, new Date(), services.leaseMs) : undefined;
    const extra = issue.skipReason
      ? `  (${issue.skipReason})`
      : progress?.interrupted
        ? `  interrupted: ${progress.noRow + progress.claims} remain (${progress.noRow} not yet sent, ` +
          `${progress.claims} claims, ${progress.staleClaims} past their lease); the next scheduled pass resumes it`
        : c.claimed > 0
          ? `  in progress ${c.claimed}`
          : '';
    return (
      `${issue.id.padEnd(20)} ${issue.state.padEnd(9)} recipients ${recipients} sent ${c.sent} skipped ${c.skipped} ` +
      `failed ${c.failed} unknown ${c.unknown} cancelled ${c.cancelled}${extra}${wavesField(issue)}`
    );
  };

  if (!values.issue) {
    const issues: Issue[] = [];
    for (const edition of ctx.config.editions) {
      issues.push(...(await services.issues.listByEdition(edition.id, { limit: RECENT_PER_EDITION })));
    }
    issues.sort((a, b) => b.localDate.localeCompare(a.localDate) || a.id.localeCompare(b.id));
    if (issues.length === 0) ctx.out('no issues yet');
    for (const issue of issues.slice(0, RECENT)) ctx.out(await line(issue));
    return 0;
  }

  const issueId = issueIdArg(ctx.config, values.issue);
  const issue = await services.issues.get(issueId);
  if (!issue) {
    ctx.err(`no issue ${issueId}`);
    return 1;
  }
  const rows: LedgerEntry[] = [];
  for await (const row of services.ledger.list(issueId)) rows.push(row);
  ctx.out(await line(issue, rows));
  const unknown = rows.filter((row) => row.state === 'unknown');
  if (unknown.length > 0 && !values.recipients) {
    // Never re-sent on a guess: the operator checks SES, then sends them (docs/delivery.md).
    for (const row of unknown) ctx.out(`unknown ${row.email}`);
    ctx.out(
      `${unknown.length} unknown: no Send event from SES says they were mailed; after checking, ` +
        `tidings resend ${issueId} --unknown sends them`,
    );
  }
  if (values.recipients) {
    for (const row of rows) {
      const resent = row.resends ? ` resent ${row.resends}x (last ${row.lastResendMessageId ?? '?'})` : '';
      const reason = row.reason && row.state !== 'sent' ? ` ${row.reason}` : '';
      ctx.out(`${row.email} ${row.state} ${row.messageId ?? '-'}${reason}${resent}`);
    }
  }
  // Readers' local time: one line per wave, by due time, after everything else.
  if (issue.waves) {
    const waves = Object.entries(issue.waves.zones).sort(([, a], [, b]) => a.dueAt.localeCompare(b.dueAt));
    for (const [zone, wave] of waves) {
      const when = wave.state === 'sent' ? `sent ${wave.sentAt ?? '?'} readers ${wave.enqueued}` : wave.state;
      ctx.out(`wave ${zone.padEnd(30)} due ${wave.dueAt} ${when}`);
    }
    const catchUp = issue.waves.catchUp;
    ctx.out(
      catchUp
        ? `catch-up ran ${catchUp.at} readers ${catchUp.enqueued}`
        : 'catch-up after the last wave: not yet',
    );
  }
  return 0;
}

/** `  waves 5 sent 2 pending 3 next 2026-03-08T01:30:00.000Z` after the counts of an issue in waves. */
function wavesField(issue: Issue): string {
  if (!issue.waves) return '';
  const w = waveCounts(issue.waves);
  return `  waves ${w.total} sent ${w.sent} pending ${w.pending}${w.next ? ` next ${w.next}` : ''}`;
}
