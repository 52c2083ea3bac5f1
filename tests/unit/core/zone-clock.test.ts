import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import {
  isKnownZone,
  PROCESS_ZONE_READS,
  runtimeZones,
  wallClock,
  wallClockByIntl,
  wallClockByProcessZone,
} from '../../../lambdas/core/zone-clock.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 0, 1);

/** Zones with half-hour and 45-minute offsets, 30-minute DST, negative DST, southern summers. */
const AWKWARD = [
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Asia/Kathmandu',
  'America/St_Johns',
  'Europe/Dublin',
  'Africa/Casablanca',
  'America/Santiago',
  'Australia/Adelaide',
  'America/New_York',
  'Europe/Brussels',
];

/** The instants every 15 minutes around each change of a zone's offset in 2026. */
function aroundChanges(zone: string): Date[] {
  const instants: Date[] = [];
  for (let day = 0; day < 366; day++) {
    const before = wallClockByIntl(new Date(START + day * DAY), zone).offsetMinutes;
    const after = wallClockByIntl(new Date(START + (day + 1) * DAY), zone).offsetMinutes;
    if (before === after) continue;
    for (let t = START + day * DAY; t <= START + (day + 1) * DAY; t += HOUR / 4) instants.push(new Date(t));
  }
  return instants;
}

describe('wallClock', () => {
  it('reads the same fields through the process zone as through Intl, in every zone the runtime names', () => {
    const instants = Array.from(
      { length: 14 },
      (_, i) => new Date(START + i * 27 * DAY + i * 7 * HOUR + i * 60_000),
    );
    let compared = 0;
    for (const zone of runtimeZones()) {
      for (const instant of instants) {
        expect(wallClockByProcessZone(instant, zone), `${zone} at ${instant.toISOString()}`).toEqual(
          wallClockByIntl(instant, zone),
        );
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(14 * 300);
  });

  it('agrees with Intl every quarter hour across the offset changes of awkward zones', () => {
    for (const zone of AWKWARD) {
      const instants = aroundChanges(zone);
      if (zone !== 'Asia/Kathmandu') expect(instants.length, zone).toBeGreaterThan(0);
      for (const instant of instants) {
        expect(wallClockByProcessZone(instant, zone), `${zone} at ${instant.toISOString()}`).toEqual(
          wallClockByIntl(instant, zone),
        );
      }
    }
    expect(wallClockByIntl(new Date(START), 'Asia/Kathmandu').offsetMinutes).toBe(345);
    expect(wallClockByIntl(new Date(START), 'America/St_Johns').offsetMinutes).toBe(-210);
  });

  it('gives the process its own zone back, set or unset', () => {
    const env = process.env;
    const had = Object.hasOwn(env, 'TZ');
    const saved = env.TZ;
    const instant = new Date(Date.UTC(2026, 6, 1, 12));
    try {
      for (const own of ['Europe/Paris', ':UTC', 'America/Los_Angeles']) {
        env.TZ = own;
        const hours = instant.getHours();
        expect(wallClockByProcessZone(instant, 'Asia/Tokyo').hour).toBe(21);
        expect(env.TZ).toBe(own);
        expect(instant.getHours()).toBe(hours);
      }
      delete env.TZ;
      wallClockByProcessZone(instant, 'Asia/Tokyo');
      expect(Object.hasOwn(env, 'TZ')).toBe(false);
    } finally {
      if (had) env.TZ = saved;
      else delete env.TZ;
    }
  });

  it('refuses a zone Intl does not know instead of reading it as UTC, and reads aliases as Intl does', () => {
    expect(() => wallClock(new Date(START), 'Nowhere/Atlantis')).toThrow(RangeError);
    expect(() => wallClock(new Date(START), 'Europe/Brussels ')).toThrow(RangeError);
    for (const alias of ['Asia/Calcutta', 'US/Eastern', 'europe/brussels']) {
      expect(wallClock(new Date(START), alias)).toEqual(wallClockByIntl(new Date(START), alias));
    }
    expect(wallClock(new Date(START), 'Asia/Calcutta').offsetMinutes).toBe(330);
  });

  it('stays exact past the reads it takes through the process zone', () => {
    for (let i = 0; i < 600; i++) {
      const instant = new Date(START + i * 13 * HOUR + i * 60_000);
      const zone = i % 2 ? 'America/New_York' : 'Australia/Lord_Howe';
      expect(wallClock(instant, zone)).toEqual(wallClockByIntl(instant, zone));
    }
  });
});

describe('isKnownZone', () => {
  it('accepts what Intl accepts and refuses the rest', () => {
    for (const zone of [
      'Europe/Brussels',
      'UTC',
      'Asia/Calcutta',
      'US/Eastern',
      'europe/brussels',
      'Etc/GMT+5',
    ]) {
      expect(isKnownZone(zone), zone).toBe(true);
    }
    for (const zone of ['Nowhere/Atlantis', '', 'Europe/Brussels ', 'CET-1CEST', '../etc/passwd']) {
      let intl = true;
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: zone });
      } catch {
        intl = false;
      }
      expect(isKnownZone(zone), zone).toBe(intl);
    }
    expect(isKnownZone('Nowhere/Atlantis')).toBe(false);
  });
});

describe('wallClockPath', () => {
  it('reads through the process zone first, then through Intl, and names the runtime does not list through Intl always', async () => {
    // A fresh copy of the module: the reads of the tests above are counted in theirs.
    vi.resetModules();
    const clock = await import('../../../lambdas/core/zone-clock.js');
    expect(clock.wallClockPath('US/Eastern')).toBe('intl');
    expect(clock.wallClockPath('Asia/Tokyo')).toBe('process zone');
    let reads = 0;
    while (clock.wallClockPath('Asia/Tokyo') === 'process zone' && reads <= PROCESS_ZONE_READS) {
      clock.wallClock(new Date(START + reads * HOUR), 'Asia/Tokyo');
      reads++;
    }
    expect(clock.wallClockPath('Asia/Tokyo')).toBe('intl');
    expect(reads).toBe(PROCESS_ZONE_READS);
  });

  it('never switches the zone of a worker thread, whose process the other threads share', async () => {
    const source = resolve('lambdas/core/zone-clock.ts');
    const worker = new Worker(
      `const clock = require('tsx/cjs/api').require(${JSON.stringify(source)}, __filename);
      const at = new Date(Date.UTC(2026, 6, 1, 12));
      require('node:worker_threads').parentPort.postMessage({
        path: clock.wallClockPath('Asia/Tokyo'),
        hour: clock.wallClock(at, 'Asia/Tokyo').hour,
      });`,
      { eval: true },
    );
    const answer = await new Promise((done, fail) => {
      worker.once('message', done);
      worker.once('error', fail);
    });
    await worker.terminate();
    expect(answer).toEqual({ path: 'intl', hour: 21 });
  });
});
