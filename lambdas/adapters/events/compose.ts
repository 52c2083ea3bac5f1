import { type ComposeDeps, type ComposeResult, composeIssue } from '../../core/compose.js';
import { EDITION_ID_PATTERN, findEdition } from '../../core/config.js';
import { currentIssueId, isSendDay } from '../../core/edition.js';
import { TidingsError } from '../../core/errors.js';
import { RECENT_ISSUES } from '../../core/issue.js';
import { type CompletionDeps, sweepSending } from '../../core/issue-life.js';
import type { Clock, IssueStore } from '../../core/ports.js';
import { resumeSending } from '../../core/recovery.js';
import { composeRoundup, dueRoundups, type RoundupResult } from '../../core/roundup.js';
import { type SweptIssue, sweepWaves } from '../../core/waves.js';
import * as z from '../../core/zod.js';

/**
 * The compose function's event adapter, invoked by EventBridge Scheduler at each edition's send
 * time with `{"edition":"dc"}`: stores today's issue and queues its readers (see
 * `core/compose.ts`), then sweeps the edition's issues still `sending` for completion. Running it
 * again the same day re-queues readers who have not had the issue, and no one else. Once the
 * week's roundup is due (`core/roundup.ts`), it is composed and queued too; on the roundup day,
 * when that is no send day, the schedule fires for the roundup alone and no daily issue is made.
 *
 * With `{"sweep":true}` (a `rate(5 minutes)` schedule, deployed when some edition has
 * `readerLocalTime`) it runs the waves sweep instead (`core/waves.ts`): due waves of the recent
 * `sending` issues are queued, then those issues are checked for completion.
 */

export const ComposeEventSchema = z.union([
  z.strictObject({
    edition: z.string().check(z.regex(EDITION_ID_PATTERN, 'must be an edition id')),
  }),
  z.strictObject({ sweep: z.literal(true) }),
]);

/** A schedule input that will never succeed. */
export class BadComposeEventError extends TidingsError {
  override readonly name = 'BadComposeEventError';
  override readonly kind = 'invalid-input';
}

export type ComposeSummary = Pick<ComposeResult, 'issueId' | 'enqueued'> & {
  /** `not a send day`: the schedule fired on the roundup day only; no daily issue is made. */
  outcome: ComposeResult['outcome'] | 'not a send day';
  /** The week's roundup, when this run made (or resumed) it. */
  roundup?: Pick<RoundupResult, 'issueId' | 'outcome' | 'enqueued'>;
  /** Earlier issues of the edition this invocation found complete. */
  completed: string[];
  /** Earlier issues still `sending` (their queue messages went to the dead-letter queue): queued again. */
  resumed?: { issueId: string; requeued: number }[];
};

/** What a waves sweep did. */
export interface SweepSummary {
  sweep: true;
  /** Issues whose waves were looked at, with the waves sent and the catch-up run. */
  waves: SweptIssue[];
  /** Issues the sweep found complete. */
  completed: string[];
}

export interface ComposeEventDeps {
  compose: ComposeDeps;
  completion: CompletionDeps & { issues: Pick<IssueStore, 'listByEdition'> };
  clock: Clock;
  /**
   * An earlier issue still `sending` is resumed only when nothing has happened to it for this long
   * (default: the claim lease of the send policy passed by the handler, else 0).
   */
  resumeQuietMs?: number;
  report(result: ComposeResult, summary: ComposeSummary): void;
  reportSweep?(summary: SweepSummary): void;
}

export function composeEventHandler(
  deps: ComposeEventDeps,
): (event: unknown) => Promise<ComposeSummary | SweepSummary> {
  return async (event) => {
    const parsed = ComposeEventSchema.safeParse(event);
    if (!parsed.success) {
      // A malformed schedule input will never succeed: fail loudly, once.
      throw new BadComposeEventError(
        `unexpected compose event: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      );
    }
    const now = deps.clock.now();
    if ('sweep' in parsed.data) return sweep(deps, now);
    const edition = findEdition(deps.compose.config, parsed.data.edition);
    // The edition's recent issues, read once beside today's compose for the recovery and the sweep
    // below (each issue they act on is read again first; today's is left to them by id).
    const recent = edition
      ? deps.completion.issues.listByEdition(edition.id, { limit: RECENT_ISSUES })
      : Promise.resolve([]);
    // Met when awaited below; a failing compose must not leave it unhandled meanwhile.
    recent.catch(() => undefined);
    // The schedule also fires on the roundup day when that is no send day: then no daily issue.
    const daily =
      !edition || isSendDay(edition, now)
        ? await composeIssue(deps.compose, { edition: parsed.data.edition, now })
        : undefined;
    const result = daily ?? {
      issueId: edition ? currentIssueId(edition, now) : parsed.data.edition,
      outcome: 'not a send day' as const,
      enqueued: 0,
    };
    // Recovery: issues an interrupted send left `sending` (messages gone to the dead-letter queue)
    // are queued again to the readers their ledger has not settled, then checked for completion.
    // Whether the week's roundup is due is read alongside (it writes nothing); the roundup itself
    // is composed after recovery (a roundup just fanned out is no interrupted one).
    const dueNow = edition
      ? dueRoundups({ editions: [edition] }, deps.compose.issues, now)
      : Promise.resolve([]);
    // Met when awaited below; a failing recovery must not leave it unhandled meanwhile.
    dueNow.catch(() => undefined);
    const resumed = await resumeSending(
      {
        issues: deps.compose.issues,
        subscribers: deps.compose.subscribers,
        queue: deps.compose.queue,
        ledger: deps.completion.ledger,
        ...(deps.compose.batchSize ? { batchSize: deps.compose.batchSize } : {}),
      },
      parsed.data.edition,
      now,
      { quietMs: deps.resumeQuietMs ?? 0, except: result.issueId, listed: await recent },
    );
    const due = await dueNow;
    const roundup =
      due.length > 0 ? await composeRoundup(deps.compose, { edition: parsed.data.edition, now }) : undefined;
    // The sweep looks at the recent issues as read above, this run's own as it stored them. One
    // whose readers this run has just queued is left to its senders, who complete it when the last
    // one settles (`noteSettled`): a sweep now could not find it complete.
    const own = [daily, roundup].flatMap((r) => (r && 'issue' in r ? [r] : []));
    const listed = [
      ...(await recent).filter((issue) => !own.some((r) => r.issueId === issue.id)),
      ...own.map((r) => r.issue),
    ];
    const swept = await sweepSending(deps.completion, parsed.data.edition, now, {
      listed,
      except: own.filter((r) => r.enqueued > 0).map((r) => r.issueId),
    });
    const summary: ComposeSummary = {
      issueId: result.issueId,
      outcome: result.outcome,
      enqueued: result.enqueued,
      completed: swept.filter((c) => c.completed).map((c) => c.issueId),
      ...(resumed.length > 0 ? { resumed } : {}),
      ...(roundup
        ? { roundup: { issueId: roundup.issueId, outcome: roundup.outcome, enqueued: roundup.enqueued } }
        : {}),
    };
    if (daily) deps.report(daily, summary);
    if (roundup && roundup.outcome !== 'not due') deps.report(roundup, summary);
    return summary;
  };
}

async function sweep(deps: ComposeEventDeps, now: Date): Promise<SweepSummary> {
  const waves = await sweepWaves({ ...deps.compose, ledger: deps.completion.ledger }, now);
  const completed: string[] = [];
  for (const edition of deps.compose.config.editions) {
    if (!edition.readerLocalTime) continue;
    for (const c of await sweepSending(deps.completion, edition.id, now))
      if (c.completed) completed.push(c.issueId);
  }
  const summary: SweepSummary = { sweep: true, waves, completed };
  deps.reportSweep?.(summary);
  return summary;
}
