import { DigestRenderer } from '../lambdas/adapters/digest-renderer.js';
import { composeIssue } from '../lambdas/core/compose.js';
import type { TidingsConfig } from '../lambdas/core/config.js';
import { ingestConfiguredSources } from '../lambdas/core/ingest.js';
import { countLedger } from '../lambdas/core/issue.js';
import { completeIssue } from '../lambdas/core/issue-life.js';
import { STAGE_OUTPUTS } from '../lambdas/wiring/stage-outputs.js';
import type { Wiring } from '../lambdas/wiring/wiring.js';
import { wire } from '../lambdas/wiring/wiring.js';
import type { CliContext } from './context.js';
import { MemorySendQueue } from './local/memory-send-queue.js';
import {
  type DeliveryServices,
  deliveryServices,
  type EditionSummary,
  localSender,
  localWiring,
  type SendTally,
  servicesOf,
} from './local/pipeline.js';
import { type ResolvedStage, resolveStage, stageFailure } from './stage.js';

/**
 * Where a command runs: the local stack, or a deployed stage (`--stage`, `TIDINGS_STAGE`). Both
 * are the same wiring of the same core; they differ in who delivers what is queued: locally the
 * command drains the in-process queue itself, on a stage the stage's send function does.
 */
export interface Target {
  kind: 'local' | 'stage';
  /** `local`, or the stage's name. */
  name: string;
  config: TidingsConfig;
  wiring: Wiring;
  /** The resolved stage, on a stage. */
  stage?: ResolvedStage;
  /**
   * Locally: sends what was queued (as the send queue's workers would) and completes the issues
   * that were sent; returns what was sent. On a stage: undefined (the send function delivers).
   */
  deliver(): Promise<{ tally: SendTally; dead: number } | undefined>;
  /** Maps an SDK failure on a stage to its one-line error (access denied, …); returns others as they are. */
  failure(error: unknown): unknown;
}

/**
 * The configuration of a stage: the project's settings under the stage's name, with the names the
 * stage was deployed with (its SES configuration set) from its outputs.
 */
export function stageConfig(config: TidingsConfig, stage: ResolvedStage): TidingsConfig {
  const configurationSet = stage.outputs[STAGE_OUTPUTS.configurationSetName];
  return {
    ...config,
    stage: stage.stage,
    ...(configurationSet ? { ses: { ...config.ses, configurationSet } } : {}),
  };
}

/** Opens the target of a command; `ctx.stage` picks a deployed stage. */
export async function openTarget(ctx: CliContext): Promise<Target> {
  if (ctx.stage !== undefined) {
    const stage = await resolveStage(ctx.stage);
    const config = stageConfig(ctx.config, stage);
    const wiring = wire({
      config,
      resources: stage.resources,
      clients: stage.clients,
      renderer: () => DigestRenderer.create(),
      sourceRoot: process.cwd(),
    });
    registerClose(ctx, () => stage.close());
    return {
      kind: 'stage',
      name: ctx.stage,
      config,
      wiring,
      stage,
      deliver: async () => undefined,
      failure: (error) => stageFailure(error, stage.stage) ?? error,
    };
  }
  const stack = await ctx.stack();
  const queue = new MemorySendQueue();
  const wiring = localWiring(stack, { queue });
  return {
    kind: 'local',
    name: 'local',
    config: ctx.config,
    wiring,
    async deliver() {
      const sender = localSender(await deliveryServices(stack));
      await queue.drain(sender.handler);
      for (const issueId of sender.tally.keys()) {
        if (queue.dead.length === 0) await completeIssue(wiring.completion(), issueId, wiring.clock.now());
      }
      return { tally: sender.tally, dead: queue.dead.length };
    },
    failure: (error) => error,
  };
}

const closers = new WeakMap<CliContext, (() => void)[]>();

function registerClose(ctx: CliContext, close: () => void): void {
  const list = closers.get(ctx) ?? [];
  list.push(close);
  closers.set(ctx, list);
}

/** Closes what {@link openTarget} opened for this context (the stage's clients). */
export function closeTargets(ctx: CliContext): void {
  for (const close of closers.get(ctx)?.splice(0) ?? []) close();
}

/** The delivery services of the command's target (the local stack, or `--stage`'s). */
export async function commandServices(ctx: CliContext): Promise<DeliveryServices> {
  return servicesOf((await openTarget(ctx)).wiring);
}

/**
 * One pass on a deployed stage (`run --once`, `digest` with `--stage`): ingest the configured
 * sources, then compose every selected edition now, its readers going onto the stage's send queue
 * for the stage's send function. Compose and fan-out are the core's, as in the compose function.
 */
export async function runStagePass(
  target: Target,
  options: { now: Date; editions?: readonly string[]; ingest?: boolean },
): Promise<EditionSummary[]> {
  const { wiring } = target;
  const ingest =
    options.ingest === false ? undefined : await ingestConfiguredSources(wiring.config, wiring.ingest());
  const wanted = options.editions ? new Set(options.editions) : undefined;
  const summaries: EditionSummary[] = [];
  for (const edition of wiring.config.editions.filter((e) => !wanted || wanted.has(e.id))) {
    const result = await composeIssue(wiring.compose(), { edition: edition.id, now: options.now });
    const rows = [];
    for await (const row of wiring.ledger.list(result.issueId)) rows.push(row);
    summaries.push({
      edition: edition.id,
      issueId: result.issueId,
      outcome: result.outcome,
      briefs: result.issue.briefIds.length,
      enqueued: result.enqueued,
      sent: 0,
      ledger: countLedger(rows),
      ...(result.issue.skipReason ? { skipReason: result.issue.skipReason } : {}),
      outbox: '',
      inbox: '',
      queuedOn: target.name,
      ...(ingest && summaries.length === 0 ? { ingest } : {}),
    });
  }
  return summaries;
}
