/**
 * `npm run chaos [-- --readers N --kills K]`: the crash test. The SES stand-in (and DynamoDB's)
 * run in this process, which is never killed, as SES does not die with a Lambda; the stand-in
 * counts every message it accepts and publishes SES's Send events into the feedback code. A sender
 * process sends one issue to N readers and is killed with SIGKILL at a random point, K times; each
 * restart is a scheduled pass (the edition is not due any more, so only recovery brings the issue
 * further). A last pass, run once the claims' lease has passed, lets recovery settle what is left.
 * The table ends with `readers N, messages N, duplicates N, never mailed N, unknown N`.
 *
 * Targets: no duplicates; every reader never mailed is listed `unknown` (no silent miss); `unknown`
 * at most one per kill per concurrent SES call. Exit 1 when a target is missed.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfigFile } from '../cli/config-file.js';
import { deliveryServices, ingestLocal, runPass } from '../cli/local/pipeline.js';
import { localFeedbackSink, type SesEventSink } from '../cli/local/ses-events.js';
import { type LocalStack, localClients, startLocalStack } from '../cli/local/stack.js';
import { DynamoLedgerStore } from '../lambdas/adapters/dynamo-ledger-store.js';
import { DynamoSubscriberStore } from '../lambdas/adapters/dynamo-subscriber-store.js';
import { tableNames } from '../lambdas/adapters/tables.js';
import type { TidingsConfig } from '../lambdas/core/config.js';
import { currentIssueId } from '../lambdas/core/edition.js';
import { countLedger, type LedgerEntry } from '../lambdas/core/issue.js';
import { sendPolicy } from '../lambdas/core/send-policy.js';

const SCRIPT = fileURLToPath(import.meta.url);

export interface ChaosOptions {
  readers: number;
  kills: number;
  /** SES's account rate for the run (messages a second); the senders at once follow from it. */
  maxSendRate?: number;
  /** Seed of the kill points (default: random). */
  seed?: number;
  log?: (line: string) => void;
}

export interface ChaosResult {
  readers: number;
  kills: number;
  messages: number;
  duplicates: number;
  neverMailed: number;
  unknown: number;
  /** Readers never mailed whose ledger row does not say `unknown`: silent misses. */
  silentMisses: number;
  /** The most `unknown` the target allows: one per kill per concurrent SES call. */
  unknownBound: number;
  /** Concurrent SES calls of one sender. */
  concurrency: number;
  issueState: string;
  /** `killed` false: the sender ended by itself before its kill (it finished, or failed). */
  killPoints: { kill: number; afterMs: number; messagesBefore: number; killed: boolean }[];
  /** The lines of the table, the last one the summary line of CONTRACT.md. */
  lines: string[];
  ok: boolean;
}

/** A small deterministic generator for the kill points when a seed is given. */
function random(seed: number | undefined): () => number {
  if (seed === undefined) return Math.random;
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** What the stand-in accepted: messages in all and per reader. */
interface MessageCounter {
  total: number;
  perReader: Map<string, number>;
}

const bare = (to: string): string => (/<([^>]+)>/.exec(to)?.[1] ?? to).toLowerCase();

/** Runs the crash test; the stand-ins live in the calling process for its whole length. */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const log = options.log ?? (() => undefined);
  const rand = random(options.seed);
  const base = await readConfigFile({}, fileURLToPath(new URL('..', import.meta.url)));
  const edition = base.editions[0];
  if (!edition) throw new Error('the configuration has no edition');
  const config: TidingsConfig = {
    ...base,
    editions: [edition],
    ses: { ...base.ses, maxSendRate: options.maxSendRate ?? 100 },
  };
  const policy = sendPolicy(config);
  const concurrency = policy.maxConcurrency;
  const home = await mkdtemp(join(tmpdir(), 'tidings-chaos-'));
  // The stand-in's side counts every message it accepts (one Send event each, per recipient), and
  // the test waits for the events in flight to be applied.
  let pending = 0;
  const counter: MessageCounter = { total: 0, perReader: new Map() };
  let sink: SesEventSink | undefined;
  const stack = await startLocalStack({
    home,
    config,
    ports: { dynamodb: 0, ses: 0 },
    inMemory: true,
    sesEvents: async (event) => {
      counter.total++;
      const to = (event as { mail?: { destination?: string[] } }).mail?.destination ?? [];
      for (const address of to)
        counter.perReader.set(bare(address), (counter.perReader.get(bare(address)) ?? 0) + 1);
      pending++;
      try {
        return await sink?.(event);
      } finally {
        pending--;
      }
    },
  });
  sink = localFeedbackSink(stack);
  const now = new Date();
  const issueId = currentIssueId(edition, now);
  try {
    await ingestLocal(stack, now);
    const subscribers = new DynamoSubscriberStore(stack.doc, stack.tables.subscribers);
    const at = now.toISOString();
    const emails = Array.from({ length: options.readers }, (_, i) => `reader${i}@chaos.example`);
    for (let i = 0; i < emails.length; i += 25) {
      await Promise.all(
        emails.slice(i, i + 25).map((email) =>
          subscribers.save({
            email,
            status: 'active',
            editions: [edition.id],
            createdAt: at,
            updatedAt: at,
            consent: { method: 'operator', givenAt: at, confirmedAt: at },
          }),
        ),
      );
    }
    log(
      `${options.readers} readers of ${edition.id}; ${concurrency} senders at once, ${config.ses.maxSendRate}/s`,
    );

    const killPoints: ChaosResult['killPoints'] = [];
    const sender = async (mode: 'first' | 'resume' | 'final', kill: boolean): Promise<void> => {
      // The last sender's requests still in flight are answered (and counted) before the next starts.
      await settleEvents(() => pending);
      // The first pass composes at `now`; later passes run at the time they run, as the schedule's.
      const at = mode === 'first' ? now : new Date();
      await runSender(stack, config, { mode, now: at, kill, rand, killPoints, log, counter });
    };
    await sender('first', options.kills > 0);
    for (let k = 1; k < options.kills; k++) await sender('resume', true);
    // Recovery after the last kill: the next scheduled passes, once the claims' lease has passed
    // (the sender's clock is moved on by the lease instead of waiting for it).
    await sender('final', false);
    await settleEvents(() => pending);

    const received = counter.perReader;
    const mails = { length: counter.total };
    const ledger = new DynamoLedgerStore(stack.dynamo, stack.tables.ledger);
    const rows = new Map<string, LedgerEntry>();
    for await (const row of ledger.list(issueId)) rows.set(row.email, row);
    const counts = countLedger(rows.values());
    let duplicates = 0;
    let neverMailed = 0;
    let silentMisses = 0;
    for (const email of emails) {
      const n = received.get(email) ?? 0;
      if (n > 1) duplicates += n - 1;
      if (n === 0) {
        neverMailed++;
        if (rows.get(email)?.state !== 'unknown') silentMisses++;
      }
    }
    const issue = await (await deliveryServices(stack)).issues.get(issueId);
    const unknownBound = options.kills * concurrency;
    const ok = duplicates === 0 && silentMisses === 0 && counts.unknown <= unknownBound;
    const lines = [
      'kill  after ms  messages before',
      ...killPoints.map(
        (p) =>
          `${String(p.kill).padStart(4)}  ${String(p.afterMs).padStart(8)}  ${String(p.messagesBefore).padStart(15)}` +
          (p.killed ? '' : '  (ended by itself before the kill)'),
      ),
      `ledger: sent ${counts.sent}, unknown ${counts.unknown}, failed ${counts.failed}, skipped ${counts.skipped}, claimed ${counts.claimed}; issue ${issue?.state ?? '?'}`,
      `targets: duplicates 0 (${duplicates === 0 ? 'met' : 'MISSED'}); never mailed all unknown (${silentMisses === 0 ? 'met' : `MISSED: ${silentMisses} silent`}); unknown ≤ ${options.kills} kills × ${concurrency} concurrent SES calls = ${unknownBound} (${counts.unknown <= unknownBound ? 'met' : 'MISSED'})`,
      `readers ${options.readers}, messages ${mails.length}, duplicates ${duplicates}, never mailed ${neverMailed}, unknown ${counts.unknown}`,
    ];
    return {
      readers: options.readers,
      kills: options.kills,
      messages: mails.length,
      duplicates,
      neverMailed,
      unknown: counts.unknown,
      silentMisses,
      unknownBound,
      concurrency,
      issueState: issue?.state ?? 'missing',
      killPoints,
      lines,
      ok,
    };
  } finally {
    await stack.close();
    await rm(home, { recursive: true, force: true });
  }
}

/** Waits until the stand-in's Send events in flight have been applied. */
async function settleEvents(pending: () => number): Promise<void> {
  // A request a killed sender had fully written is still answered (and published) by the stand-in.
  await new Promise((resolve) => setTimeout(resolve, 300));
  while (pending() > 0) await new Promise((resolve) => setTimeout(resolve, 20));
}

interface SenderRun {
  mode: 'first' | 'resume' | 'final';
  now: Date;
  kill: boolean;
  rand: () => number;
  killPoints: ChaosResult['killPoints'];
  log: (line: string) => void;
  counter: MessageCounter;
}

/**
 * One sender process: a pass of the local pipeline against this process's stand-ins. With `kill`,
 * it is killed with SIGKILL at a random moment once it has started sending.
 */
async function runSender(stack: LocalStack, config: TidingsConfig, run: SenderRun): Promise<void> {
  const before = run.counter.total;
  const leaseMs = sendPolicy(config).leaseMs;
  // Through tsx's loader, whoever runs this (tsx, the benchmark runner, vitest).
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, '--sender'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      CHAOS_SENDER: JSON.stringify({
        config,
        home: stack.home,
        dynamodbUrl: stack.dynamodbUrl,
        sesUrl: stack.sesUrl,
        mode: run.mode,
        // The final pass comes after the lease: claims left by a killed sender are stale by then.
        now: new Date(run.now.getTime() + (run.mode === 'final' ? leaseMs + 60_000 : 0)).toISOString(),
        clockOffsetMs: run.mode === 'final' ? leaseMs + 60_000 : 0,
      }),
    },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  if (!run.kill) {
    const code = await exited;
    if (code !== 0) throw new Error(`the ${run.mode} sender exited with ${code}`);
    return;
  }
  // Wait for the first message of this sender, then a random moment of up to two seconds of
  // sending, then SIGKILL.
  const start = Date.now();
  let running = true;
  void exited.then(() => {
    running = false;
  });
  while (running && run.counter.total === before) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const delay = Math.floor(run.rand() * 2000);
  await new Promise((resolve) => setTimeout(resolve, delay));
  const messagesBefore = run.counter.total;
  const killed = running;
  if (running) child.kill('SIGKILL');
  const code = await exited;
  run.killPoints.push({
    kill: run.killPoints.length + 1,
    afterMs: Date.now() - start,
    messagesBefore,
    killed,
  });
  run.log(
    killed
      ? `kill ${run.killPoints.length}: after ${Date.now() - start} ms, ${messagesBefore} messages so far`
      : `kill ${run.killPoints.length}: the sender had ended by itself (exit ${code}) before its kill`,
  );
}

/** The sender process: attaches to the stand-ins and runs one pass. */
async function senderMain(): Promise<void> {
  const spec = JSON.parse(process.env.CHAOS_SENDER ?? '{}') as {
    config: TidingsConfig;
    home: string;
    dynamodbUrl: string;
    sesUrl: string;
    mode: 'first' | 'resume' | 'final';
    now: string;
    clockOffsetMs: number;
  };
  const { destroy, ...clients } = localClients(spec.dynamodbUrl, spec.sesUrl);
  const stack = {
    config: spec.config,
    home: spec.home,
    tables: tableNames(spec.config.stage),
    ...clients,
    sesUrl: spec.sesUrl,
    dynamodbUrl: spec.dynamodbUrl,
    secretPath: join(spec.home, 'secret'),
  } as LocalStack;
  const clock = { now: () => new Date(Date.now() + spec.clockOffsetMs) };
  const concurrency = sendPolicy(spec.config).maxConcurrency;
  // As the schedule runs it: the first pass composes (forced: the edition's send time may be far),
  // the others find the edition not due and only recovery moves the issue on.
  const summaries = await runPass(stack, {
    now: new Date(spec.now),
    force: spec.mode === 'first',
    ingest: false,
    services: { clock },
    queue: { concurrency, redeliveryDelayMs: 50, maxAttempts: 3 },
  });
  for (const s of summaries) {
    console.log(`${spec.mode} pass: ${s.outcome}, ${s.sent} sent, ledger ${JSON.stringify(s.ledger)}`);
  }
  destroy();
  process.exit(0);
}

function flag(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(argv[i + 1]);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`--${name} needs a whole number, got "${argv[i + 1] ?? ''}"`);
    process.exit(2);
  }
  return value;
}

if (process.argv[1] === SCRIPT) {
  const argv = process.argv.slice(2);
  if (argv.includes('--sender')) {
    await senderMain();
  } else {
    const readers = flag(argv, 'readers', 2000);
    const kills = flag(argv, 'kills', 6);
    const result = await runChaos({ readers, kills, log: (line) => console.log(line) });
    for (const line of result.lines) console.log(line);
    process.exit(result.ok ? 0 : 1);
  }
}
