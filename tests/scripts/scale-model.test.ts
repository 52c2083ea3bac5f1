import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  inputsFromResults,
  type MeasuredInputs,
  renderScale,
  SCALE_PATH,
  ScaleInputError,
  scaleModel,
} from '../../scripts/scale-model.js';

/** Round inputs, so that every figure below can be worked out by hand. */
const INPUTS: MeasuredInputs = {
  measuredAt: '2026-11-30',
  composeReadersPerSecond: 50_000,
  fanoutReadersPerSecond: 100_000,
  readUnitsPerEmail: 3,
  writeUnitsPerEmail: 2,
  codeMsPerEmail: 10,
  sendColdStartMs: 1_000,
};

describe('the scale model', () => {
  it('sends at the SES rate when nothing below it binds, with the workers, requests and units that rate takes', () => {
    const row = scaleModel(INPUTS, 10_000, 200);
    expect(row.emailsPerSecond).toBe(200);
    expect(row.firstLimit).toBe('the SES rate (200/s)');
    // 200/s at 10 a worker: 20 senders, plus compose.
    expect(row.lambdaConcurrency).toBe(21);
    // 200 emails/s = 4 queue messages of 50/s; a receive and a delete per batch of 5: 1.6/s.
    expect(row.sqsRequestsPerSecond).toBeCloseTo(1.6, 10);
    expect(row.dynamoReadUnitsPerSecond).toBe(600);
    expect(row.dynamoWriteUnitsPerSecond).toBe(400);
    // 1 s cold start + 10,000 / 200 = 50 s + half of the ramp from 5 to 20 pollers at 300 a minute (3 s).
    expect(row.sendSeconds).toBeCloseTo(52.5, 10);
  });

  it("caps the rate at the ledger key's 1,000 write units a second and names it as the first limit", () => {
    const row = scaleModel(INPUTS, 1_000_000, 2_000);
    // 1,000 WCU / 2 write units per email.
    expect(row.emailsPerSecond).toBe(500);
    expect(row.dynamoWriteUnitsPerSecond).toBe(1_000);
    expect(row.firstLimit).toContain('ledger key (≈ 500 emails/s)');
    expect(row.lambdaConcurrency).toBe(201);
  });

  it("names the compose function's timeout when queueing every reader takes longer than 300 s", () => {
    // 20,000,000 / 50,000 = 400 s.
    const row = scaleModel(INPUTS, 20_000_000, 14);
    expect(row.composeSeconds).toBe(400);
    expect(row.firstLimit).toContain("compose function's 300 s timeout");
  });

  it('prices 1,000 emails from the request units, the paced Lambda time, the queue and the schedule', () => {
    const row = scaleModel(INPUTS, 10_000, 14);
    // DynamoDB 1,000 × (3 × $0.125 + 2 × $0.625) / 1M = $0.001625.
    // Lambda: 2 senders at 7/s, so 1,000 / 7 ms billed an email at 0.5 GB: 71.43 GB-s × $0.0000133334
    // = $0.000952, plus 2 cold starts of 1 s (1 GB-s over 10,000 emails: 0.1 GB-s) and 4 invocations.
    // SQS (2 + 8 requests) × $0.40 / 1M; one schedule over 10 thousands.
    const expected = 0.001625 + (71.428571 + 0.1) * 0.0000133334 + 4 * 0.2e-6 + 10 * 0.4e-6 + 0.1e-6;
    expect(row.awsUsdPer1000).toBeCloseTo(expected, 8);
    expect(row.totalUsdPer1000 - row.awsUsdPer1000).toBeCloseTo(0.1, 10);
  });
});

describe('inputs from bench/results.json', () => {
  const results = {
    machine: { date: '2026-11-30T00:00:00Z' },
    figures: [
      { name: 'fanout', value: 100_000 },
      { name: 'cold-start:send', value: 900 },
      {
        name: 'cost-per-1000',
        value: 0.0027,
        notes:
          'DynamoDB $0.00167 (3.12 RRU + 2.05 WRU per email, measured), Lambda $0.001 (12.6 ms of compose+send code per email measured locally)',
      },
      {
        name: 'delivery',
        value: 300,
        notes: '10000 readers, 8 send workers. Fan-out (compose, enqueue) took 0.25 s before sending.',
      },
    ],
  };

  it('reads the measured figures and the per-email units from the notes', () => {
    expect(inputsFromResults(results)).toEqual({
      measuredAt: '2026-11-30T00:00:00Z',
      composeReadersPerSecond: 40_000,
      fanoutReadersPerSecond: 100_000,
      readUnitsPerEmail: 3.12,
      writeUnitsPerEmail: 2.05,
      codeMsPerEmail: 12.6,
      sendColdStartMs: 900,
    });
  });

  it('names a figure that is missing and the bench that records it', () => {
    const without = { ...results, figures: results.figures.filter((f) => f.name !== 'cold-start:send') };
    expect(() => inputsFromResults(without)).toThrow(ScaleInputError);
    expect(() => inputsFromResults(without)).toThrow(/no figure "cold-start:send": run npm run bench$/);
  });

  it('says which notes no longer give a number', () => {
    const reworded = {
      ...results,
      figures: results.figures.map((f) => (f.name === 'cost-per-1000' ? { ...f, notes: 'reworded' } : f)),
    };
    expect(() => inputsFromResults(reworded)).toThrow(
      /notes of "cost-per-1000" do not give the request units per email/,
    );
  });
});

describe('bench/SCALE.md', () => {
  it('is what npm run scale writes from the committed bench/results.json', async () => {
    const committed = await readFile(SCALE_PATH, 'utf8');
    expect(committed, 'bench/SCALE.md is stale: run npm run scale').toBe(await renderScale());
  });
});
