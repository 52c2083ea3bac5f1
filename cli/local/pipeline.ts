import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DigestRenderer } from '../../lambdas/adapters/digest-renderer.js';
import {
  type ComposeDeps,
  type ComposeOutcome,
  composeIssue,
  type OperatorDeps,
} from '../../lambdas/core/compose.js';
import type { EditionConfig, TidingsConfig } from '../../lambdas/core/config.js';
import type { DigestInput, RenderedDigest } from '../../lambdas/core/digest.js';
import { countOf } from '../../lambdas/core/digest.js';
import { currentIssueId, parseIssueId } from '../../lambdas/core/edition.js';
import { formatSummary, type IngestSummary, ingestConfiguredSources } from '../../lambdas/core/ingest.js';
import { countLedger, type Issue, type LedgerCounts } from '../../lambdas/core/issue.js';
import { completeIssue, dueEditions } from '../../lambdas/core/issue-life.js';
import type {
  BriefStore,
  Clock,
  IssueStore,
  LedgerStore,
  Mailer,
  MessageBuilder,
  SendChecks,
  SendQueue,
  SubscriberStore,
} from '../../lambdas/core/ports.js';
import { type Resumed, resumeSending } from '../../lambdas/core/recovery.js';
import { composeRoundup, dueRoundups } from '../../lambdas/core/roundup.js';
import { type RecipientOutcome, type SendDeps, sendBatch } from '../../lambdas/core/send.js';
import { realPaceClock, SendPacer } from '../../lambdas/core/send-pacer.js';
import { sendPolicy } from '../../lambdas/core/send-policy.js';
import type { Subscriber } from '../../lambdas/core/subscriber.js';
import { isValidEmail, normalizeEmail } from '../../lambdas/core/subscriber.js';
import { type SweptIssue, sweepWaves } from '../../lambdas/core/waves.js';
import { type Wiring, wire } from '../../lambdas/wiring/wiring.js';
import { UsageError } from '../context.js';
import { type BatchHandler, MemorySendQueue, type MemorySendQueueOptions } from './memory-send-queue.js';
import { OutboxMailer } from './outbox-mailer.js';
import type { LocalStack } from './stack.js';

/**
 * The local target: the production wiring (`lambdas/wiring`) on the stand-ins of the local stack,
 * with the outbox mailer and the in-process send queue, and the local stand-ins for what AWS runs
 * on its own: the SQS event source's workers ({@link localSender}) and the schedule
 * ({@link runPass}). The issue's life itself (due editions, compose, completion) is core's.
 */

export { dueEditions };

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The wiring of the local stack. */
export function localWiring(
  stack: Pick<LocalStack, 'config' | 'dynamo' | 'doc' | 'tables' | 'ses' | 'home' | 'secretPath'>,
  options: { clock?: Clock; queue?: SendQueue } = {},
): Wiring {
  return wire({
    config: stack.config,
    resources: { tables: stack.tables, tokenSecret: { file: stack.secretPath } },
    clients: { dynamo: stack.dynamo, doc: stack.doc, ses: stack.ses },
    ...(options.clock ? { clock: options.clock } : {}),
    // The configuration set travels with every call, as in AWS; the outbox keeps the raw copy.
    wrapMailer: (ses) => new OutboxMailer(ses, join(stack.home, 'outbox')),
    queue: options.queue ?? new MemorySendQueue(),
    renderer: () => DigestRenderer.create(),
    sourceRoot: PROJECT_ROOT,
  });
}

/** Everything the delivery commands use, built once per stack. Tests replace parts. */
export interface DeliveryServices {
  config: TidingsConfig;
  issues: IssueStore;
  ledger: LedgerStore;
  subscribers: Pick<SubscriberStore, 'get' | 'save' | 'listActive' | 'list' | 'isSuppressed'>;
  briefs: Pick<BriefStore, 'listByEdition'>;
  messages: MessageBuilder;
  mailer: Mailer;
  /** The sender's per-reader checks in one request; absent, the stores are asked one by one. */
  checks?: SendChecks;
  clock: Clock;
  render(request: DigestInput): Promise<RenderedDigest>;
  /** Claims older than this are taken for dead attempts (`unknown`); from the send policy. */
  leaseMs: number;
}

/** Builds the services on a local stack from its wiring; `overrides` replace parts (tests). */
export async function deliveryServices(
  stack: Pick<LocalStack, 'config' | 'dynamo' | 'doc' | 'tables' | 'ses' | 'home' | 'secretPath'>,
  overrides: Partial<DeliveryServices> = {},
): Promise<DeliveryServices> {
  const wiring = localWiring(
    overrides.config ? { ...stack, config: overrides.config } : stack,
    overrides.clock ? { clock: overrides.clock } : {},
  );
  return servicesOf(wiring, overrides);
}

/** The services of any target's wiring (the local stack's, or a deployed stage's). */
export async function servicesOf(
  wiring: Wiring,
  overrides: Partial<DeliveryServices> = {},
): Promise<DeliveryServices> {
  // A replaced issue or subscriber store must be the one asked, so the combined read steps aside.
  const checks = overrides.checks ?? (overrides.issues || overrides.subscribers ? undefined : wiring.checks);
  return {
    config: wiring.config,
    clock: wiring.clock,
    issues: overrides.issues ?? wiring.issues,
    ledger: overrides.ledger ?? wiring.ledger,
    subscribers: overrides.subscribers ?? wiring.subscribers,
    briefs: overrides.briefs ?? wiring.briefs,
    ...(checks ? { checks } : {}),
    messages: overrides.messages ?? (await wiring.messages()),
    mailer: overrides.mailer ?? wiring.mailer,
    render: overrides.render ?? wiring.render,
    leaseMs: overrides.leaseMs ?? wiring.policy.leaseMs,
  };
}

export function composeDeps(services: DeliveryServices, queue: SendQueue): ComposeDeps {
  return {
    config: services.config,
    issues: services.issues,
    briefs: services.briefs,
    subscribers: services.subscribers,
    queue,
    render: services.render,
  };
}

export function operatorDeps(services: DeliveryServices, queue: SendQueue): OperatorDeps {
  return {
    config: services.config,
    issues: services.issues,
    ledger: services.ledger,
    subscribers: services.subscribers,
    queue,
  };
}

/** The send core's dependencies on the local stack, paced by `limiter` (the policy's rate by default). */
export function sendDeps(
  services: DeliveryServices,
  limiter: { acquire(): Promise<void> } = new SendPacer(
    { rate: sendPolicyOf(services).perWorkerRate },
    realPaceClock,
  ),
  stopping?: AbortSignal,
): SendDeps {
  return {
    ...(stopping ? { stopping } : {}),
    issues: services.issues,
    ledger: services.ledger,
    subscribers: services.subscribers,
    messages: services.messages,
    mailer: services.mailer,
    ...(services.checks ? { checks: services.checks } : {}),
    limiter,
    clock: services.clock,
    sleep: realPaceClock.sleep,
    newToken: randomUUID,
    leaseMs: services.leaseMs,
    backoffMs: sendPolicyOf(services).backoffMs,
  };
}

function sendPolicyOf(services: Pick<DeliveryServices, 'config'>): ReturnType<typeof sendPolicy> {
  return sendPolicy(services.config);
}

/**
 * An issue id from the command line: malformed, or naming an edition that is not configured,
 * is bad input (exit 2).
 */
export function issueIdArg(config: TidingsConfig, raw: string | undefined): string {
  const id = raw?.trim() ?? '';
  const parsed = parseIssueId(id);
  if (!parsed)
    throw new UsageError(
      `"${id}" is not an issue id; expected <edition>-<YYYY-MM-DD>, e.g. dc-2026-11-30, or a weekly roundup's <edition>-<YYYY>-W<ww>, e.g. dc-2026-W49`,
    );
  if (!config.editions.some((e) => e.id === parsed.edition)) {
    throw new UsageError(
      `unknown edition "${parsed.edition}"; configured: ${config.editions.map((e) => e.id).join(', ')}`,
    );
  }
  return id;
}

/** Per-issue tallies of what the local send workers did. */
export type SendTally = Map<string, Partial<Record<RecipientOutcome, number>>>;

/**
 * Local send workers as in AWS: as many as the rate plan allows at once, each pacing itself at
 * the plan's per-worker rate, so together they keep to `ses.maxSendRate`.
 */
export function localSender(
  services: DeliveryServices,
  options: { workers?: number; stopping?: AbortSignal } = {},
): { handler: BatchHandler; tally: SendTally; workers: number } {
  const plan = sendPolicyOf(services);
  const workers = Math.min(options.workers ?? plan.maxConcurrency, plan.maxConcurrency);
  const tally: SendTally = new Map();
  // One limiter per worker slot. A batch waits for a free slot, so however many batches the
  // queue hands over at once, at most `workers` send, each at its own pace.
  const free = Array.from(
    { length: workers },
    () => new SendPacer({ rate: plan.perWorkerRate }, realPaceClock),
  );
  const waiting: ((limiter: SendPacer) => void)[] = [];
  const take = (): Promise<SendPacer> => {
    const limiter = free.pop();
    return limiter ? Promise.resolve(limiter) : new Promise((resolve) => waiting.push(resolve));
  };
  const give = (limiter: SendPacer): void => {
    const next = waiting.shift();
    if (next) next(limiter);
    else free.push(limiter);
  };
  const handler: BatchHandler = async (batch) => {
    const limiter = await take();
    try {
      const result = await sendBatch(sendDeps(services, limiter, options.stopping), batch);
      const counts = tally.get(batch.issueId) ?? {};
      for (const { outcome } of result.outcomes) counts[outcome] = (counts[outcome] ?? 0) + 1;
      tally.set(batch.issueId, counts);
      return { retry: result.retry };
    } finally {
      give(limiter);
    }
  };
  return { handler, tally, workers };
}

export interface PassOptions {
  now: Date;
  /** Only these editions (default: all configured). */
  editions?: readonly string[];
  /** Compose every selected edition now, due or not (`run --once`, `digest`). */
  force?: boolean;
  /** Seed `samples/subscribers.json` as active readers when the subscriber table is empty. */
  seedSamples?: boolean;
  /** Ingest configured sources first (default true). */
  ingest?: boolean;
  log?: (line: string) => void;
  /** How far the sending has come, for a progress line (`ctx.progress`); called per batch. */
  progress?: ((text: string) => void) | undefined;
  services?: Partial<DeliveryServices>;
  queue?: MemorySendQueueOptions;
  /**
   * Ctrl-C: once aborted, no reader is claimed any more; sends in flight finish and settle, and
   * the pass returns with its issues left `sending` for the next pass to finish (`stopped`).
   */
  stop?: AbortSignal;
}

export interface EditionSummary {
  edition: string;
  issueId: string;
  /** `resumed`: today's issue had been interrupted mid-send; this pass finished it. */
  outcome: ComposeOutcome | 'not due' | 'resumed';
  briefs: number;
  enqueued: number;
  /** Outcomes of this pass's sends. */
  sent: number;
  /** The issue's whole ledger after the pass. */
  ledger: LedgerCounts;
  skipReason?: string;
  outbox: string;
  inbox: string;
  /** On a deployed stage: the stage whose send queue took the readers (nothing was sent here). */
  queuedOn?: string;
  /** Set on the first summary of a pass that ingested: one entry per configured source. */
  ingest?: IngestSummary[];
}

const SAMPLE_SUBSCRIBERS = new URL('../../samples/subscribers.json', import.meta.url);

/**
 * Seeds the sample readers (active, consent method `operator`: the operator put them there)
 * when the subscriber table holds nobody. Returns how many were added.
 */
export async function seedSampleSubscribers(
  subscribers: Pick<SubscriberStore, 'list' | 'save'>,
  config: TidingsConfig,
  now: Date,
  file: URL | string = SAMPLE_SUBSCRIBERS,
): Promise<number> {
  for await (const _ of subscribers.list()) return 0;
  const parsed = JSON.parse(await readFile(file, 'utf8')) as {
    subscribers?: { email?: unknown; name?: unknown; editions?: unknown }[];
  };
  const known = new Set(config.editions.map((e) => e.id));
  let added = 0;
  for (const row of parsed.subscribers ?? []) {
    const email = typeof row.email === 'string' ? normalizeEmail(row.email) : '';
    const editions = Array.isArray(row.editions)
      ? row.editions.filter((e): e is string => typeof e === 'string' && known.has(e))
      : [];
    if (!isValidEmail(email) || editions.length === 0) continue;
    const at = now.toISOString();
    const subscriber: Subscriber = {
      email,
      status: 'active',
      editions,
      ...(typeof row.name === 'string' && row.name ? { name: row.name } : {}),
      createdAt: at,
      updatedAt: at,
      consent: { method: 'operator', givenAt: at, confirmedAt: at },
    };
    await subscribers.save(subscriber);
    added++;
  }
  return added;
}

/** Ingests the configured sources (paths relative to the project root) into the stack's brief table. */
export function ingestLocal(
  stack: Pick<LocalStack, 'config' | 'dynamo' | 'doc' | 'tables' | 'ses' | 'home' | 'secretPath'>,
  now: Date,
): Promise<IngestSummary[]> {
  const { fetchSource, store } = localWiring(stack).ingest();
  return ingestConfiguredSources(stack.config, { fetchSource, store, clock: { now: () => now } });
}

/**
 * One local pass: ingest configured sources, then compose and send every selected edition
 * (due or never sent, or all of them with `force`), draining the in-process send queue.
 */
export async function runPass(stack: LocalStack, options: PassOptions): Promise<EditionSummary[]> {
  const services = await deliveryServices(stack, options.services);
  const log = options.log ?? (() => undefined);
  const ingest = options.ingest === false ? undefined : await ingestLocal(stack, options.now);
  if (options.seedSamples) {
    const seeded = await seedSampleSubscribers(services.subscribers, services.config, options.now);
    if (seeded > 0) log(`seeded ${seeded} sample readers (consent: operator)`);
  }
  const wanted = options.editions ? new Set(options.editions) : undefined;
  const selected = services.config.editions.filter((e) => !wanted || wanted.has(e.id));
  const due = options.force
    ? selected
    : (await dueEditions(services.config, services.issues, options.now)).filter((e) => selected.includes(e));

  const queue = new MemorySendQueue(options.queue);
  const sender = localSender(services, options.stop ? { stopping: options.stop } : {});
  const composed: { edition: EditionConfig; outcome: ComposeOutcome; issue: Issue; enqueued: number }[] = [];
  const roundups: typeof composed = [];
  for (const edition of due) {
    const result = await composeIssue(composeDeps(services, queue), {
      edition: edition.id,
      now: options.now,
    });
    composed.push({ edition, outcome: result.outcome, issue: result.issue, enqueued: result.enqueued });
  }
  // Recovery (invariant 3): every issue an interrupted send left `sending` is queued again, to the
  // readers its ledger has not settled, whether or not its edition is due.
  const resumed: (Resumed & { edition: string })[] = [];
  for (const edition of selected) {
    const except = composed.find((c) => c.edition.id === edition.id)?.issue.id;
    const found = await resumeSending(
      {
        ...composeDeps(services, queue),
        ledger: services.ledger,
        batchSize: sendPolicyOf(services).recipientsPerMessage,
      },
      edition.id,
      options.now,
      { quietMs: 0, ...(except ? { except } : {}) },
    );
    for (const r of found) {
      resumed.push({ ...r, edition: edition.id });
      log(`${r.issueId} was interrupted: ${countOf(r.requeued, 'reader')} queued again`);
    }
  }
  // Readers' local time: the waves sweep, on the pass's clock (the catch-up waits for no lease:
  // the queue of the pass that sent the last wave has drained).
  const swept: SweptIssue[] = await sweepWaves(
    {
      ...composeDeps(services, queue),
      config: { editions: selected },
      ledger: services.ledger,
      batchSize: sendPolicyOf(services).recipientsPerMessage,
      catchUpAfterMs: 0,
    },
    options.now,
  );
  for (const s of swept) {
    for (const zone of s.sent) log(`${s.issueId}: the ${zone} wave went out`);
    if (s.caughtUp !== undefined)
      log(`${s.issueId}: catch-up after the last wave, ${countOf(s.caughtUp, 'reader')}`);
  }
  // Weekly roundups, once the daily issues and recovery are done (a roundup just fanned out is not
  // an interrupted one): made when due, never forced, since the week names them.
  for (const edition of await dueRoundups({ editions: selected }, services.issues, options.now)) {
    const result = await composeRoundup(composeDeps(services, queue), {
      edition: edition.id,
      now: options.now,
    });
    if (result.outcome !== 'not due') roundups.push({ edition, ...result });
  }
  await queue.drain(
    options.progress
      ? reportingProgress(sender.handler, [...composed, ...roundups], options.progress)
      : sender.handler,
    options.stop,
  );
  // Stopped: nothing is claimed, and what was not sent stays for the next pass (recovery above).
  const stopped = options.stop?.aborted === true;

  const summaries: EditionSummary[] = [];
  const entries = [
    ...selected.map((edition) => ({ edition, done: composed.find((c) => c.edition.id === edition.id) })),
    ...roundups.map((done) => ({ edition: done.edition, done })),
  ];
  for (const { edition, done } of entries) {
    const issueId = done?.issue.id ?? currentIssueId(edition, options.now);
    const wasResumed = resumed.find((r) => r.issueId === issueId);
    let issue = done?.issue ?? (await services.issues.get(issueId));
    for (const r of resumed.filter((r) => r.edition === edition.id && r.issueId !== issueId)) {
      if (queue.dead.length === 0 && !stopped) await completeIssue(services, r.issueId, options.now);
    }
    for (const s of swept.filter((s) => s.edition === edition.id && s.issueId !== issueId)) {
      if (queue.dead.length === 0 && !stopped) await completeIssue(services, s.issueId, options.now);
    }
    const waved = swept.some((s) => s.issueId === issueId);
    if ((done || wasResumed || waved) && issue?.state === 'sending' && queue.dead.length === 0 && !stopped) {
      // The queue drained: every reader fanned out is settled one way or another.
      await completeIssue(services, issueId, options.now);
      issue = (await services.issues.get(issueId)) ?? issue;
    }
    const rows = [];
    for await (const row of services.ledger.list(issueId)) rows.push(row);
    summaries.push({
      edition: edition.id,
      issueId,
      outcome: done ? done.outcome : wasResumed ? 'resumed' : 'not due',
      briefs: issue?.briefIds.length ?? 0,
      enqueued: done?.enqueued ?? wasResumed?.requeued ?? 0,
      sent: sender.tally.get(issueId)?.sent ?? 0,
      ledger: countLedger(rows),
      ...(issue?.skipReason ? { skipReason: issue.skipReason } : {}),
      outbox: join(stack.home, 'outbox', issueId),
      inbox: `${stack.sesUrl}/`,
      ...(ingest && summaries.length === 0 ? { ingest } : {}),
    });
  }
  return summaries;
}

/** The handler, telling `progress` after each batch how many of the readers queued are done. */
function reportingProgress(
  handler: BatchHandler,
  composed: readonly { enqueued: number }[],
  progress: (text: string) => void,
): BatchHandler {
  const total = composed.reduce((sum, c) => sum + c.enqueued, 0);
  let done = 0;
  return async (batch) => {
    const result = await handler(batch);
    if (!result.retry) done += batch.recipients.length;
    progress(`sending: ${done} of ${countOf(total, 'reader')} done`);
    return result;
  };
}

/** One line per edition for people: what happened and where to look. */
export function describeSummaries(summaries: readonly EditionSummary[], _stack?: unknown): string[] {
  const lines: string[] = [];
  for (const source of summaries.find((s) => s.ingest)?.ingest ?? []) {
    for (const line of formatSummary(source)) lines.push(`ingest ${line}`);
  }
  for (const s of summaries) {
    const head = `${s.edition.padEnd(8)} ${s.issueId}`;
    switch (s.outcome) {
      case 'not due':
        lines.push(`${head} not due (${s.ledger.sent} sent earlier)`);
        break;
      case 'skipped':
        lines.push(`${head} skipped: ${s.skipReason ?? 'nothing new'}`);
        break;
      case 'held':
        lines.push(`${head} held for approval (${countOf(s.briefs, 'brief')}): tidings approve ${s.issueId}`);
        break;
      case 'unchanged':
        lines.push(`${head} unchanged (issue is held or cancelled)`);
        break;
      case 'resumed':
        lines.push(
          `${head} interrupted send resumed: ${countOf(s.enqueued, 'reader')} queued again, ${countOf(s.sent, 'email')} sent ` +
            `(${s.ledger.sent} in all, ${s.ledger.skipped} skipped, ${s.ledger.failed} failed, ` +
            `${s.ledger.unknown} unknown, ${s.ledger.claimed} claims still open)`,
        );
        break;
      default:
        if (s.queuedOn !== undefined) {
          lines.push(
            `${head} ${s.outcome === 'refanout' ? 'already composed today, queued again for readers who had not had it' : 'composed'}: ` +
              `${countOf(s.briefs, 'brief')}, ${countOf(s.enqueued, 'reader')} queued on stage ${s.queuedOn}'s send queue`,
          );
          break;
        }
        lines.push(
          `${head} ${s.outcome === 'refanout' ? 'already composed today, sent only to readers who had not had it' : 'composed'}: ` +
            `${countOf(s.briefs, 'brief')}, ${countOf(s.sent, 'email')} sent (${s.ledger.sent} in all, ${s.ledger.skipped} skipped, ` +
            `${s.ledger.failed} failed, ${s.ledger.unknown} unknown); outbox ${s.outbox}/, inbox ${s.inbox}`,
        );
    }
  }
  return lines;
}
