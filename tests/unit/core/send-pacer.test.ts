import { describe, expect, it } from 'vitest';
import { type PaceClock, SendPacer } from '../../../lambdas/core/send-pacer.js';

/** Virtual time: sleeping moves the clock, so the test sees when each permit would be used. */
function virtualPaceClock(): PaceClock & { now: number } {
  const pacer = {
    now: 0,
    nowMs: () => pacer.now,
    sleep: async (ms: number) => {
      pacer.now += ms;
    },
  };
  return pacer;
}

async function permitTimes(
  limiter: SendPacer,
  pacer: PaceClock & { now: number },
  count: number,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    await limiter.acquire();
    times.push(pacer.now);
  }
  return times;
}

function maxInAnySecond(times: number[]): number {
  let max = 0;
  for (const start of times) max = Math.max(max, times.filter((t) => t >= start && t < start + 1000).length);
  return max;
}

describe('SendPacer', () => {
  it('never hands out more than `rate` permits in any one-second window', async () => {
    const pacer = virtualPaceClock();
    const times = await permitTimes(new SendPacer({ rate: 7 }, pacer), pacer, 50);
    expect(maxInAnySecond(times)).toBeLessThanOrEqual(7);
  });

  it('spaces permits evenly at 1/rate seconds', async () => {
    const pacer = virtualPaceClock();
    const times = await permitTimes(new SendPacer({ rate: 4 }, pacer), pacer, 5);
    expect(times).toEqual([0, 250, 500, 750, 1000]);
  });

  it('lets a burst through back to back after an idle spell, then paces', async () => {
    const pacer = virtualPaceClock();
    const times = await permitTimes(new SendPacer({ rate: 10, burst: 3 }, pacer), pacer, 5);
    expect(times.slice(0, 3)).toEqual([0, 0, 0]);
    expect(times[3]).toBeCloseTo(100);
    expect(times[4]).toBeCloseTo(200);
  });

  it('gives concurrent callers distinct slots', async () => {
    const waits: number[] = [];
    const realSleep: PaceClock = { nowMs: () => 0, sleep: async (ms) => void waits.push(ms) };
    const shared = new SendPacer({ rate: 5 }, realSleep);
    await Promise.all([shared.acquire(), shared.acquire(), shared.acquire()]);
    expect(waits.sort((a, b) => a - b)).toEqual([200, 400]);
  });

  it('does not bank unused time beyond the burst', async () => {
    const pacer = virtualPaceClock();
    const limiter = new SendPacer({ rate: 2 }, pacer);
    await limiter.acquire();
    pacer.now += 10_000;
    const times = await permitTimes(limiter, pacer, 3);
    expect(times).toEqual([10_000, 10_500, 11_000]);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a rate of %s', (rate) => {
    expect(() => new SendPacer({ rate }, virtualPaceClock())).toThrow(RangeError);
  });

  it('refuses a burst below one', () => {
    expect(() => new SendPacer({ rate: 1, burst: 0 }, virtualPaceClock())).toThrow(RangeError);
  });
});
