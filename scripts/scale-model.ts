/**
 * `npm run scale`: the scale model. From the figures measured here (`bench/results.json`) and AWS's
 * published limits and prices, what one edition of 10,000 to 10,000,000 readers takes at SES send
 * rates of 14, 200 and 2,000 messages a second: time to send, Lambda concurrency, SQS and DynamoDB
 * request rates, cost per 1,000 emails, and the first limit met. Writes `bench/SCALE.md`.
 *
 *   npm run scale            # writes bench/SCALE.md from bench/results.json
 *   npm run scale -- --check # exits 1 when bench/SCALE.md is not what the results give
 *
 * The model itself (`scaleModel`, `scaleMarkdown`) is pure: figures in, numbers and text out.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRICES } from '../bench/cost-per-1000.bench.js';
import { SEND_BATCH_SIZE } from '../infra/constructs/send-queue.js';
import { TidingsError } from '../lambdas/core/errors.js';
import { RECIPIENTS_PER_MESSAGE } from '../lambdas/core/send-policy.js';
import { planSendRate } from '../lambdas/core/send-rate.js';
import { runAsScript } from './run-as-script.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS_PATH = join(root, 'bench', 'results.json');
export const SCALE_PATH = join(root, 'bench', 'SCALE.md');

/** The editions' sizes and the SES rates the model is asked about (issue 16). */
export const READERS = [10_000, 1_000_000, 10_000_000] as const;
export const SES_RATES = [14, 200, 2_000] as const;

/** When AWS's pages below were read. Check them again before quoting. */
export const LIMITS_READ = '2026-11-30';

/** AWS's published limits (defaults of a new account, us-east-1), each with where it is stated. */
export const LIMITS = {
  sesSandboxDailyQuota: {
    value: 200,
    source:
      'https://docs.aws.amazon.com/ses/latest/dg/quotas.html (sandbox: 200 messages a day at 1 a second; out of it, per account)',
  },
  sesRecipientsPerMessage: {
    value: 50,
    source:
      'https://docs.aws.amazon.com/ses/latest/dg/quotas.html (recipients per message; Tidings sends one reader a message, so it never applies)',
  },
  lambdaConcurrency: {
    value: 1_000,
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html (default account quota)',
  },
  lambdaScaling: {
    value: 1_000,
    source:
      'https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html (1,000 more environments per function every 10 s)',
  },
  sqsPollerStart: {
    value: 5,
    source:
      'https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html (starts with 5 concurrent batches)',
  },
  sqsPollerRampPerMinute: {
    value: 300,
    source:
      'https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html (up to 300 more a minute)',
  },
  sqsInFlight: {
    value: 120_000,
    source:
      'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html (standard queue, in flight)',
  },
  partitionWriteUnits: {
    value: 1_000,
    source:
      'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html (per partition, per second)',
  },
  partitionReadUnits: {
    value: 3_000,
    source:
      'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html (per partition, per second)',
  },
  tableWriteUnits: {
    value: 40_000,
    source:
      'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html (on demand, per table)',
  },
  tableReadUnits: {
    value: 40_000,
    source:
      'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html (on demand, per table)',
  },
  composeTimeoutSeconds: {
    value: 300,
    source: 'infra/stacks/pipeline-stack.ts (the compose function runs at most 5 minutes)',
  },
  schedulerInvocations: {
    value: 1_000,
    source:
      'https://docs.aws.amazon.com/scheduler/latest/UserGuide/scheduler-quotas.html (invocations a second; one per issue here)',
  },
} as const;

/** Memory of the send function as deployed (`infra/constructs/tidings-function.ts` default). */
const SEND_MEMORY_GB = 0.5;

/** What the model takes from `bench/results.json`. */
export interface MeasuredInputs {
  /** When the figures were measured (`machine.date`). */
  measuredAt: string;
  /** The compose pass (enumerate active readers, queue their batches), readers a second. */
  composeReadersPerSecond: number;
  /** Enumeration alone (`fanout`), readers a second. */
  fanoutReadersPerSecond: number;
  /** DynamoDB read and write request units per email, from `cost-per-1000`. */
  readUnitsPerEmail: number;
  writeUnitsPerEmail: number;
  /** Compose and send code per email, milliseconds, from `cost-per-1000`. */
  codeMsPerEmail: number;
  /** `cold-start:send`, milliseconds. */
  sendColdStartMs: number;
}

/** One edition size at one SES rate. */
export interface ScaleRow {
  readers: number;
  sesRate: number;
  /** Emails a second actually reached: the SES rate unless a limit below it binds. */
  emailsPerSecond: number;
  /** The compose pass, seconds. */
  composeSeconds: number;
  /** From the schedule to the last email, seconds. */
  sendSeconds: number;
  /** Send functions at once, plus the one compose. */
  lambdaConcurrency: number;
  sqsRequestsPerSecond: number;
  dynamoReadUnitsPerSecond: number;
  dynamoWriteUnitsPerSecond: number;
  /** AWS's cost beyond SES, and SES's own, per 1,000 emails. */
  awsUsdPer1000: number;
  totalUsdPer1000: number;
  /** The first limit met on the way to this size and rate. */
  firstLimit: string;
}

/** `bench/results.json` lacks a figure the model needs, or its notes no longer give a number. */
export class ScaleInputError extends TidingsError {
  readonly kind = 'invalid-input';
  override readonly name = 'ScaleInputError';
}

interface RecordedFigure {
  name: string;
  value: number;
  notes?: string;
}

function figureOf(figures: readonly RecordedFigure[], name: string): RecordedFigure {
  const figure = figures.find((f) => f.name === name);
  if (!figure || !Number.isFinite(figure.value)) {
    throw new ScaleInputError(`bench/results.json has no figure "${name}": run npm run bench`);
  }
  return figure;
}

function fromNotes(figure: RecordedFigure, pattern: RegExp, what: string): number[] {
  const match = pattern.exec(figure.notes ?? '');
  const values = match?.slice(1).map(Number) ?? [];
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || v <= 0)) {
    throw new ScaleInputError(
      `bench/results.json: the notes of "${figure.name}" do not give ${what} (expected ${pattern})`,
    );
  }
  return values;
}

/** The model's inputs from the recorded results; a missing figure is named. */
export function inputsFromResults(results: unknown): MeasuredInputs {
  const recorded = results as { machine?: { date?: string }; figures?: RecordedFigure[] };
  if (!Array.isArray(recorded?.figures)) throw new ScaleInputError('bench/results.json has no figures list');
  const figures = recorded.figures;
  const cost = figureOf(figures, 'cost-per-1000');
  const [readUnitsPerEmail = 0, writeUnitsPerEmail = 0] = fromNotes(
    cost,
    /([\d.]+) RRU \+ ([\d.]+) WRU per email/,
    'the request units per email',
  );
  const [codeMsPerEmail = 0] = fromNotes(
    cost,
    /([\d.]+) ms of compose\+send code per email/,
    'the code time',
  );
  const [deliveryReaders = 0, composeSeconds = 0] = fromNotes(
    figureOf(figures, 'delivery'),
    /^(\d+) readers[\s\S]*Fan-out \(compose, enqueue\) took ([\d.]+) s/,
    'the compose pass',
  );
  return {
    measuredAt: recorded.machine?.date ?? 'unknown',
    composeReadersPerSecond: deliveryReaders / composeSeconds,
    fanoutReadersPerSecond: figureOf(figures, 'fanout').value,
    readUnitsPerEmail,
    writeUnitsPerEmail,
    codeMsPerEmail,
    sendColdStartMs: figureOf(figures, 'cold-start:send').value,
  };
}

const whole = (n: number): string => Math.round(n).toLocaleString('en-US');
const usd = (n: number): string => `$${n.toFixed(4)}`;

/** A Markdown list item wrapped at 100 columns. */
function wrap(text: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '-';
  for (const word of text.split(' ')) {
    if (line.length + 1 + word.length > width) {
      lines.push(line);
      line = ' ';
    }
    line += ` ${word}`;
  }
  return [...lines, line];
}

/** Seconds for the SQS event source to grow from its first pollers to `workers`. */
function rampSeconds(workers: number): number {
  return (Math.max(0, workers - LIMITS.sqsPollerStart.value) / LIMITS.sqsPollerRampPerMinute.value) * 60;
}

/** One edition of `readers` at an SES rate of `sesRate` messages a second. */
export function scaleModel(inputs: MeasuredInputs, readers: number, sesRate: number): ScaleRow {
  const plan = planSendRate(sesRate);
  const workers = plan.maxConcurrency;
  // Every limit as emails a second; the smallest binds. The SES rate binds by design.
  const ledgerCap = LIMITS.partitionWriteUnits.value / inputs.writeUnitsPerEmail;
  const caps: { rate: number; limit: string }[] = [
    { rate: sesRate, limit: `the SES rate (${sesRate}/s)` },
    {
      rate: ledgerCap,
      limit: `DynamoDB's ${whole(LIMITS.partitionWriteUnits.value)} write units/s on the issue's ledger key (≈ ${whole(ledgerCap)} emails/s)`,
    },
    {
      rate: LIMITS.tableWriteUnits.value / inputs.writeUnitsPerEmail,
      limit: "DynamoDB's on-demand writes per table",
    },
    {
      rate: LIMITS.tableReadUnits.value / inputs.readUnitsPerEmail,
      limit: "DynamoDB's on-demand reads per table",
    },
    { rate: (workers * 1000) / inputs.codeMsPerEmail, limit: 'the send code itself' },
  ];
  const binding = caps.reduce((a, b) => (b.rate < a.rate ? b : a));
  const emailsPerSecond = binding.rate;

  const composeSeconds = readers / inputs.composeReadersPerSecond;
  // Sending overlaps the compose pass; the event source's ramp loses about half its length.
  const ramp = rampSeconds(workers);
  const draining = readers / emailsPerSecond;
  const sendSeconds =
    inputs.sendColdStartMs / 1000 + Math.max(composeSeconds, draining + Math.min(ramp, draining) / 2);

  const queueMessagesPerSecond = emailsPerSecond / RECIPIENTS_PER_MESSAGE;
  // Receive and delete per batch of SEND_BATCH_SIZE messages.
  const sqsRequestsPerSecond = (2 * queueMessagesPerSecond) / SEND_BATCH_SIZE;

  let firstLimit = binding.limit;
  if (composeSeconds > LIMITS.composeTimeoutSeconds.value) {
    firstLimit = `the compose function's ${LIMITS.composeTimeoutSeconds.value} s timeout (${Math.round(composeSeconds)} s to queue every reader)`;
  }

  // Per 1,000 emails: DynamoDB units, the send function billed for its paced time (or its code time
  // when slower), its invocations and cold starts, the queue's requests, one schedule per issue.
  const billedMs = Math.max(inputs.codeMsPerEmail, 1000 / plan.perWorkerRate);
  const messagesPer1000 = 1000 / RECIPIENTS_PER_MESSAGE;
  const coldStartGbSeconds = (workers * inputs.sendColdStartMs * SEND_MEMORY_GB) / 1000;
  const parts = {
    dynamodb:
      1000 *
      (inputs.readUnitsPerEmail * PRICES.dynamoReadUnit.usd +
        inputs.writeUnitsPerEmail * PRICES.dynamoWriteUnit.usd),
    lambda:
      ((1000 * billedMs * SEND_MEMORY_GB) / 1000 + (coldStartGbSeconds * 1000) / readers) *
        PRICES.lambdaArmGbSecond.usd +
      (messagesPer1000 / SEND_BATCH_SIZE) * PRICES.lambdaRequest.usd,
    sqs: (messagesPer1000 / 10 + (2 * messagesPer1000) / SEND_BATCH_SIZE) * PRICES.sqsRequest.usd,
    scheduler: (1000 / readers) * PRICES.schedulerInvocation.usd,
  };
  const awsUsdPer1000 = parts.dynamodb + parts.lambda + parts.sqs + parts.scheduler;
  return {
    readers,
    sesRate,
    emailsPerSecond,
    composeSeconds,
    sendSeconds,
    lambdaConcurrency: workers + 1,
    sqsRequestsPerSecond,
    dynamoReadUnitsPerSecond: emailsPerSecond * inputs.readUnitsPerEmail,
    dynamoWriteUnitsPerSecond: emailsPerSecond * inputs.writeUnitsPerEmail,
    awsUsdPer1000,
    totalUsdPer1000: awsUsdPer1000 + PRICES.ses.usd * 1000,
    firstLimit,
  };
}

/** `3 min`, `2.8 h`, `8.3 days`. */
export function duration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}

/** bench/SCALE.md for these inputs. */
export function scaleMarkdown(inputs: MeasuredInputs): string {
  const rows = READERS.flatMap((readers) => SES_RATES.map((rate) => scaleModel(inputs, readers, rate)));
  const at = (readers: number, rate: number): ScaleRow =>
    rows.find((r) => r.readers === readers && r.sesRate === rate) ?? scaleModel(inputs, readers, rate);
  const table = [
    '| readers | SES rate | emails/s | time to send | Lambda concurrency | SQS requests/s | DynamoDB RRU/s | DynamoDB WRU/s | AWS $/1,000 (+ SES) | first limit |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${whole(r.readers)} | ${whole(r.sesRate)}/s | ${whole(r.emailsPerSecond)} | ${duration(r.sendSeconds)} | ${r.lambdaConcurrency} | ${r.sqsRequestsPerSecond.toFixed(1)} | ${whole(r.dynamoReadUnitsPerSecond)} | ${whole(r.dynamoWriteUnitsPerSecond)} | ${usd(r.awsUsdPer1000)} (${usd(r.totalUsdPer1000)}) | ${r.firstLimit} |`,
    ),
  ];
  const million14 = at(1_000_000, 14);
  const tenMillion14 = at(10_000_000, 14);
  const million200 = at(1_000_000, 200);
  const tenMillion2000 = at(10_000_000, 2_000);
  const ledgerCap = LIMITS.partitionWriteUnits.value / inputs.writeUnitsPerEmail;
  const workers2000 = planSendRate(2_000).maxConcurrency;
  const composeLimit = inputs.composeReadersPerSecond * LIMITS.composeTimeoutSeconds.value;
  const meaning = [
    `**The SES rate decides how long an edition takes.** At 14 messages/s (the default \`ses.maxSendRate\`), 1,000,000 readers take ${duration(million14.sendSeconds)} and 10,000,000 take ${duration(tenMillion14.sendSeconds)}: a daily edition that large cannot go out at that rate. Ask AWS for a higher rate before the list grows: at 200/s a million readers take ${duration(million200.sendSeconds)}. \`tidings doctor\` warns when an edition's active readers need more than an hour at \`ses.maxSendRate\`.`,
    `**The daily quota must cover every edition of the day.** SES also caps the messages of 24 hours (\`Max24HourSend\`, on \`tidings doctor --stage\`'s \`ses account\` line; ${whole(LIMITS.sesSandboxDailyQuota.value)} in the sandbox, set per account out of it): past it SES refuses messages until the 24 hours roll on, so an edition larger than the quota cannot go out in a day at any rate. SES's ${LIMITS.sesRecipientsPerMessage.value} recipients per message never apply: each message goes to one reader.`,
    `**Above about ${whole(ledgerCap)} emails/s the send ledger is the limit, not SES.** Every email writes ${inputs.writeUnitsPerEmail.toFixed(2)} request units (its claim, then its \`sent\` row), all under one partition key: the issue's. A DynamoDB partition takes ${whole(LIMITS.partitionWriteUnits.value)} write units a second, so at 2,000/s the writes throttle until DynamoDB splits the hot key range by sort key (it can, as the ledger has no local index, but it does not promise when); throttled writes are retried, by the SDK and then by the queue's redelivery, which costs time and adds requests. The model caps such rows at that rate: 10,000,000 readers then take ${duration(tenMillion2000.sendSeconds)} rather than the ${duration(10_000_000 / 2_000)} the SES rate alone would allow. Spreading the ledger key (issue and a shard of the address) would lift this cap.`,
    `**Lambda is not the limit.** The send function runs one worker per 10 messages/s of SES rate (${workers2000} at 2,000/s) against a default account concurrency of ${whole(LIMITS.lambdaConcurrency.value)}; the SQS event source grows to ${workers2000} pollers within ${duration(rampSeconds(workers2000))}, and each worker's cold start (${whole(inputs.sendColdStartMs)} ms measured here) is paid once. SQS standard queues take these request rates easily, and the messages in flight (at most ${whole(workers2000 * SEND_BATCH_SIZE)}) stay far below ${whole(LIMITS.sqsInFlight.value)}.`,
    `**The compose pass** queues every reader in one invocation at about ${whole(inputs.composeReadersPerSecond)} readers/s measured here (enumeration alone ${whole(inputs.fanoutReadersPerSecond)}/s): ${duration(10_000_000 / inputs.composeReadersPerSecond)} for 10,000,000 readers, and sending starts while it runs. Its ${LIMITS.composeTimeoutSeconds.value} s timeout is reached at about ${whole(composeLimit)} readers in one edition: the next limit past the sizes here.`,
    `**Cost** is SES's $0.10 per 1,000 emails plus about ${usd(at(1_000_000, 200).awsUsdPer1000)} of AWS's own (DynamoDB most of it, then Lambda time spent pacing): it barely moves with size or rate.`,
  ];
  const sources = Object.values(LIMITS).map((limit) => `- ${whole(limit.value)}: ${limit.source}`);
  const prices = Object.values(PRICES).map((price) => `- ${price.source}`);
  return `${[
    '# Tidings at scale',
    '',
    'Written by `npm run scale` (scripts/scale-model.ts) from `bench/results.json`; do not edit by hand.',
    `Figures measured ${inputs.measuredAt}; AWS limits and prices read ${LIMITS_READ}.`,
    '',
    '## What it means for a publisher',
    '',
    ...meaning.flatMap((text) => [...wrap(text), '']),
    '## The model',
    '',
    ...table,
    '',
    `Per email, measured here: ${inputs.readUnitsPerEmail.toFixed(2)} read and ${inputs.writeUnitsPerEmail.toFixed(2)} write request units`,
    `(\`cost-per-1000\`), ${inputs.codeMsPerEmail.toFixed(1)} ms of compose and send code; the compose pass at`,
    `${whole(inputs.composeReadersPerSecond)} readers/s (\`delivery\`); a send cold start of ${Math.round(inputs.sendColdStartMs)} ms (\`cold-start:send\`).`,
    `Time to send: a cold start, then the readers at the binding rate plus half the event source's ramp`,
    `(it starts ${LIMITS.sqsPollerStart.value} pollers and adds ${LIMITS.sqsPollerRampPerMinute.value} a minute), or the compose pass if that is longer. Lambda`,
    `concurrency: the send workers the SES rate allows (\`planSendRate\`) plus compose. SQS requests: the`,
    `event source's receive and delete per batch of ${SEND_BATCH_SIZE} messages of ${RECIPIENTS_PER_MESSAGE} readers. DynamoDB units: per email`,
    'times emails/s (on demand). Cost: those units, the send function billed for its paced time at',
    `${SEND_MEMORY_GB * 1024} MB with its invocations and cold starts, the queue's requests, one schedule per issue.`,
    'The local stand-ins answer faster than AWS; real latencies raise code time, not the SES-paced rates.',
    '',
    '## Limits',
    '',
    ...sources,
    '',
    '## Prices (us-east-1)',
    '',
    ...prices,
  ].join('\n')}\n`;
}

/** The SCALE.md the committed results give. */
export async function renderScale(resultsPath = RESULTS_PATH): Promise<string> {
  return scaleMarkdown(inputsFromResults(JSON.parse(await readFile(resultsPath, 'utf8'))));
}

async function main(): Promise<void> {
  const markdown = await renderScale();
  if (process.argv.includes('--check')) {
    const current = await readFile(SCALE_PATH, 'utf8').catch(() => '');
    if (current !== markdown) {
      console.error('bench/SCALE.md is stale: run npm run scale');
      process.exitCode = 1;
    }
    return;
  }
  await writeFile(SCALE_PATH, markdown);
  console.log(`wrote ${SCALE_PATH}`);
}

await runAsScript(import.meta.url, main);
