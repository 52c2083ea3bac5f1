import { beforeAll, describe, expect, it } from 'vitest';
import type { TidingsConfig } from '../../../lambdas/core/config.js';
import {
  checkLocal,
  formatCheck,
  judgeSendTime,
  largestAudience,
  type SourceProbe,
} from '../../../lambdas/core/doctor.js';
import type { Rhythm, Subscriber } from '../../../lambdas/core/subscriber.js';
import { testSettings } from '../../support/config.js';
import { MemorySubscriberStore } from '../../support/fakes/subscriber-store.js';

describe('doctor: the time to send an edition at ses.maxSendRate', () => {
  it('is ok while every edition goes out within an hour, and names the largest', () => {
    // 50,400 readers at 14/s: exactly 3,600 s.
    const [result, ...rest] = judgeSendTime(
      [
        { edition: 'dc', readers: 50_400 },
        { edition: 'bxl', readers: 1_200 },
      ],
      14,
    );
    expect(rest).toEqual([]);
    expect(formatCheck(result as never)).toBe(
      'ok send time: every edition goes out within an hour at ses.maxSendRate 14/s; the largest, dc, has 50,400 active readers: 60 min',
    );
  });

  it('warns for each edition whose readers take more than an hour, and says what to do', () => {
    const results = judgeSendTime(
      [
        { edition: 'dc', readers: 1_000_000 },
        { edition: 'bxl', readers: 50_401 },
        { edition: 'sf', readers: 10 },
      ],
      14,
    );
    expect(results.map(formatCheck)).toEqual([
      'warn send time: dc: 1,000,000 active readers take 19.8 h at ses.maxSendRate 14/s, over an hour — ask AWS for a higher SES sending rate, then raise ses.maxSendRate (the time at each rate: bench/SCALE.md)',
      'warn send time: bxl: 50,401 active readers take 61 min at ses.maxSendRate 14/s, over an hour — ask AWS for a higher SES sending rate, then raise ses.maxSendRate (the time at each rate: bench/SCALE.md)',
    ]);
  });

  it('says when no edition has readers yet', () => {
    expect(judgeSendTime([{ edition: 'dc', readers: 0 }], 14).map(formatCheck)).toEqual([
      'ok send time: no edition has active readers yet (ses.maxSendRate 14/s)',
    ]);
  });
});

describe('doctor: counting readers through the subscriber port', () => {
  const store = new MemorySubscriberStore();
  const at = '2026-11-30T12:00:00.000Z';
  const reader = (
    i: number,
    rhythm: Rhythm | undefined,
    status: Subscriber['status'] = 'active',
  ): Subscriber => ({
    email: `reader${i}@example.com`,
    status,
    editions: ['dc'],
    createdAt: at,
    updatedAt: at,
    consent: { method: 'operator', givenAt: at, confirmedAt: at },
    ...(rhythm ? { rhythm } : {}),
  });

  beforeAll(async () => {
    // 30 with no rhythm (daily), 6 daily, 1 on weekdays, 40 weekly, 5 unsubscribed.
    const readers = [
      ...Array.from({ length: 30 }, (_, i) => reader(i, undefined)),
      ...Array.from({ length: 6 }, (_, i) => reader(100 + i, 'daily')),
      reader(200, 'weekdays'),
      ...Array.from({ length: 40 }, (_, i) => reader(300 + i, 'weekly')),
      ...Array.from({ length: 5 }, (_, i) => reader(400 + i, 'daily', 'unsubscribed')),
    ];
    for (const subscriber of readers) await store.save(subscriber);
  });

  it("counts the largest issue's readers: the weekly roundup's 40 over a weekday's 37", async () => {
    expect(await largestAudience(store, 'dc')).toBe(40);
    expect(await largestAudience(store, 'bxl')).toBe(0);
  });

  const local = (config: TidingsConfig) =>
    checkLocal({
      config,
      nodeVersion: '22.0.0',
      chromium: '/usr/bin/chromium',
      sources: { reach: async () => ({ ok: true, detail: 'is a local file' }) } satisfies SourceProbe,
      readers: store,
    });
  const withRate = (maxSendRate: number): TidingsConfig =>
    testSettings({
      ses: { maxSendRate },
      editions: [
        { id: 'dc', name: 'D.C.', timeZone: 'America/New_York', sendTime: '06:30' },
        { id: 'bxl', name: 'Brussels', timeZone: 'Europe/Brussels', sendTime: '07:00' },
      ],
    });

  it('warns locally when the readers need more than an hour at the configured rate', async () => {
    // 40 readers at 0.01/s: 4,000 s.
    const lines = (await local(withRate(0.01))).map(formatCheck);
    expect(lines).toContain(
      'warn send time: dc: 40 active readers take 67 min at ses.maxSendRate 0.01/s, over an hour — ask AWS for a higher SES sending rate, then raise ses.maxSendRate (the time at each rate: bench/SCALE.md)',
    );
  });

  it('is ok locally when they go out within the hour', async () => {
    // 40 readers at 0.012/s: 3,333 s.
    const lines = (await local(withRate(0.012))).map(formatCheck);
    expect(lines.filter((line) => line.includes('send time'))).toEqual([
      'ok send time: every edition goes out within an hour at ses.maxSendRate 0.012/s; the largest, dc, has 40 active readers: 56 min',
    ]);
  });
});
