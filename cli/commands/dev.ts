import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCommand } from '../args.js';
import { COMMAND_SPECS } from '../command-specs.js';
import { type CliContext, UsageError } from '../context.js';
import { startApiServer } from '../local/api-server.js';
import { replayOutbox } from '../local/inbox-replay.js';
import { describeSummaries, runPass } from '../local/pipeline.js';
import {
  attachLocalStack,
  configuredPorts,
  exportStackEnv,
  removeStackFile,
  startLocalStack,
  writeStackFile,
} from '../local/stack.js';

const MINUTE = 60_000;

/**
 * `tidings dev [--reset]`: the local stack on the ports of CONTRACT.md, one pass (ingest, compose
 * and send every edition due or never sent), then the API and the schedule until Ctrl-C.
 */
export default async function dev(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommand(COMMAND_SPECS.dev, args);
  if (ctx.stage !== undefined) {
    // A deployed stage runs on its own schedules; dev is the local stack and nothing else.
    throw new UsageError(
      `dev runs the local stack only; stage ${ctx.stage} runs on its own schedules (use run --once, status, … with --stage)`,
    );
  }
  const running = await attachLocalStack(ctx.home, ctx.config);
  if (running) {
    await running.close();
    ctx.err(
      `a local stack is already running for ${ctx.home} (API on port ${running.ports.api}); stop it first`,
    );
    return 1;
  }
  if (values.reset) {
    await rm(ctx.home, { recursive: true, force: true });
    ctx.out(`emptied ${ctx.home}`);
  }

  const ports = configuredPorts();
  const stack = await startLocalStack({ home: ctx.home, config: ctx.config, ports });
  exportStackEnv(stack);
  let api: Awaited<ReturnType<typeof startApiServer>>;
  try {
    api = await startApiServer(stack, ports.api);
  } catch (error) {
    await stack.close();
    throw error;
  }
  stack.ports.api = api.port;
  await writeStackFile(ctx.home, stack.ports);

  let stopping = false;
  // Ctrl-C stops a pass that is sending: no new reader is claimed, the sends in flight finish.
  const halt = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let busy: Promise<unknown> = Promise.resolve();
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      halt.abort();
      ctx.out('\nstopping… (no new reader is claimed; messages in flight finish first)');
      if (timer) clearInterval(timer);
      void busy
        .catch(() => undefined)
        .then(async () => {
          await api.close();
          await stack.close();
          await removeStackFile(ctx.home);
          resolve();
        });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

  const pass = async (label: string, ingest: boolean, quiet = false): Promise<void> => {
    try {
      const summaries = await runPass(stack, {
        now: new Date(),
        seedSamples: true,
        ingest,
        log: ctx.out,
        progress: ctx.progress?.update,
        stop: halt.signal,
      });
      // The first pass reports every edition; a scheduled pass only what it did.
      for (const line of describeSummaries(summaries)) {
        if (quiet && / not due \(/.test(line)) continue;
        ctx.out(`${label} ${line}`);
      }
    } catch (error) {
      ctx.err(`${label} pass failed: ${(error as Error).message}`);
    }
  };

  ctx.out(`Tidings local stack (data in ${ctx.home})`);
  ctx.out(`  API and subscribe page  http://127.0.0.1:${api.port}/`);
  ctx.out(`  inbox viewer            ${stack.sesUrl}/`);
  ctx.out(`  DynamoDB stand-in       ${stack.dynamodbUrl}`);
  ctx.out(`  raw messages            ${join(ctx.home, 'outbox')}/`);
  const replayed = await replayOutbox(join(ctx.home, 'outbox'));
  if (replayed > 0) ctx.out(`put ${replayed} messages sent in the last two days back into the inbox viewer`);
  busy = pass('[first pass]', true);
  await busy;
  ctx.out(`ready: open ${stack.sesUrl}/ to read the digests; Ctrl-C stops`);

  // The schedule: each minute, ingest when the configured rate has passed and send every edition
  // whose local send time has come (the pipeline skips editions that already went out today).
  let lastIngest = Date.now();
  timer = setInterval(() => {
    if (stopping) return;
    const ingestDue = Date.now() - lastIngest >= ctx.config.ingest.rateMinutes * MINUTE;
    if (ingestDue) lastIngest = Date.now();
    busy = busy.then(() => pass('[schedule]', ingestDue, true));
  }, MINUTE);
  await stopped;
  return 0;
}
