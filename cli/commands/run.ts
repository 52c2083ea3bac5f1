import { parseCommand } from '../args.js';
import { COMMAND_SPECS } from '../command-specs.js';
import { type CliContext, UsageError } from '../context.js';
import { onInterrupt, stoppedLines } from '../interrupt.js';
import { describeSummaries, type EditionSummary, type PassOptions, runPass } from '../local/pipeline.js';
import { openTarget, runStagePass } from '../target.js';

/**
 * `tidings run --once`: one pass for every edition now (ingest, compose, send), a summary line
 * per edition, exit. A second run on the same day only reaches readers who have not had today's issue.
 */
export default async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommand(COMMAND_SPECS.run, args);
  if (!values.once) throw new UsageError('run needs --once (the continuous schedule is `tidings dev`)');
  if (ctx.stage !== undefined) {
    // On a stage the readers go onto its send queue; its send function delivers them.
    const summaries = await runStagePass(await openTarget(ctx), { now: new Date() });
    for (const line of describeSummaries(summaries)) ctx.out(line);
    return 0;
  }
  const summaries = await localPass(ctx, { now: new Date(), force: true, seedSamples: true });
  if (!summaries) return 1;
  const failedSources = summaries[0]?.ingest?.filter((s) => s.error) ?? [];
  for (const source of failedSources)
    ctx.err(`source ${source.source} could not be ingested: ${source.error}`);
  return reportFailedIssues(summaries, ctx);
}

/**
 * One pass on the local stack that Ctrl-C stops between readers: its log and progress on the
 * context, a summary line per edition, and on an interrupt what was left unsent on `err`. The
 * summaries, or undefined when the pass was interrupted (the command then exits 1).
 */
export async function localPass(
  ctx: CliContext,
  options: Omit<PassOptions, 'log' | 'progress' | 'stop'>,
): Promise<EditionSummary[] | undefined> {
  const stack = await ctx.stack();
  const interrupt = onInterrupt(ctx.err);
  let summaries: EditionSummary[];
  try {
    summaries = await runPass(stack, {
      ...options,
      log: ctx.out,
      progress: ctx.progress?.update,
      stop: interrupt.signal,
    });
  } finally {
    interrupt.dispose();
  }
  for (const line of describeSummaries(summaries)) ctx.out(line);
  if (!interrupt.signal.aborted) return summaries;
  for (const line of stoppedLines(summaries)) ctx.err(line);
  return undefined;
}

/**
 * An issue sent in this pass whose every send failed (none went to SES: the message could not be
 * built, or SES refused them all) is an error of the run: one line each, exit 1.
 */
export function reportFailedIssues(
  summaries: readonly EditionSummary[],
  ctx: Pick<CliContext, 'err'>,
): number {
  const failed = summaries.filter(
    (s) => s.outcome !== 'not due' && s.ledger.failed > 0 && s.ledger.sent === 0,
  );
  for (const s of failed) {
    ctx.err(
      `${s.issueId}: every send failed (${s.ledger.failed} failed); see tidings status --issue ${s.issueId} --recipients`,
    );
  }
  return failed.length > 0 ? 1 : 0;
}
