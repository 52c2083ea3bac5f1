/**
 * Wall-clock time in a named zone, read without starting `Intl` where that is safe.
 *
 * The first `Intl` object a process makes (any of them: a date or number format, a collator)
 * costs it 17–22 ms of ICU start-up, a tenth of a function's cold start; the zone rules
 * themselves cost well under a millisecond. So the first wall-clock reads of a process are taken
 * from `Date`'s own local-time fields, the process's zone (`TZ`) switched to the wanted zone and
 * back within the same synchronous call, as Node allows since 13. A process that goes on reading
 * (each switch costs about 50 µs, Intl's warm read 4 µs) moves to Intl after `PROCESS_ZONE_READS`.
 * Both give the same fields (tested across every zone's transitions); the switch is only taken
 *
 * - on a process's main thread: the zone ICU falls back to is the process's, shared by its
 *   threads, and a worker's reads could see another thread's switch;
 * - for a zone the runtime names in `Intl.supportedValuesOf('timeZone')` (or `UTC`): a name the
 *   zone database does not know would silently read as UTC, where Intl refuses it;
 * - when a switch is seen to take effect (checked once per process on a known instant).
 */

export interface WallClock {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
  /** 0 = Sunday … 6 = Saturday, as `Date#getDay`. */
  weekday: number;
  /** 0–23. */
  hour: number;
  minute: number;
  /** Minutes east of UTC (60 in Brussels in winter, −300 in New York). */
  offsetMinutes: number;
}

/** How many wall-clock reads a process takes through its own zone before it starts Intl. */
export const PROCESS_ZONE_READS = 256;

let processZoneReads = 0;
let canonicalZones: ReadonlySet<string> | undefined;
let switchWorks: boolean | undefined;
let mainThread: boolean | undefined;

/** The runtime's canonical zone names and `UTC` (about 1.5 ms once; no ICU locale data). */
export function runtimeZones(): ReadonlySet<string> {
  canonicalZones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
  return canonicalZones;
}

/**
 * Whether Intl accepts `zone` as a time zone: the runtime's canonical names at once, anything
 * else (aliases such as `US/Eastern`, other spellings) as `Intl.DateTimeFormat` decides.
 */
export function isKnownZone(zone: string): boolean {
  if (runtimeZones().has(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The wall clock of `instant` in `zone` (a zone Intl accepts; RangeError otherwise). */
export function wallClock(instant: Date, zone: string): WallClock {
  if (wallClockPath(zone) === 'process zone') {
    processZoneReads++;
    return wallClockByProcessZone(instant, zone);
  }
  return wallClockByIntl(instant, zone);
}

/** How {@link wallClock} reads `zone` next: through the process's zone, or through Intl. */
export function wallClockPath(zone: string): 'process zone' | 'intl' {
  return processZoneReads < PROCESS_ZONE_READS && processZoneUsable(zone) ? 'process zone' : 'intl';
}

function processZoneUsable(zone: string): boolean {
  // Looked up on the first read, not at import: most functions never read a wall clock.
  mainThread ??= process.getBuiltinModule('node:worker_threads').isMainThread;
  if (!mainThread || !runtimeZones().has(zone)) return false;
  // 2026-01-01T00:00Z is 05:30 in Kolkata and 19:00 the day before in New York.
  switchWorks ??=
    wallClockByProcessZone(new Date(Date.UTC(2026, 0, 1)), 'Asia/Kolkata').offsetMinutes === 330 &&
    wallClockByProcessZone(new Date(Date.UTC(2026, 0, 1)), 'America/New_York').offsetMinutes === -300;
  return switchWorks;
}

/** `Date`'s local fields with the process's zone switched to `zone` and back. Main thread only. */
export function wallClockByProcessZone(instant: Date, zone: string): WallClock {
  const env = process.env;
  const had = Object.hasOwn(env, 'TZ');
  const previous = env.TZ;
  env.TZ = zone;
  try {
    return {
      year: instant.getFullYear(),
      month: instant.getMonth() + 1,
      day: instant.getDate(),
      weekday: instant.getDay(),
      hour: instant.getHours(),
      minute: instant.getMinutes(),
      offsetMinutes: 0 - instant.getTimezoneOffset(), // not -0 in UTC
    };
  } finally {
    if (had) env.TZ = previous;
    else delete env.TZ;
  }
}

const formats = new Map<string, Intl.DateTimeFormat>();
const WEEKDAY_NUMBERS: Readonly<Record<string, number>> = {
  Sun: 0,
  Mon: 1,
  Tue: 2,
  Wed: 3,
  Thu: 4,
  Fri: 5,
  Sat: 6,
};

/** The same fields through `Intl.DateTimeFormat` (one format per zone, kept). */
export function wallClockByIntl(instant: Date, zone: string): WallClock {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      weekday: 'short',
      hour: 'numeric',
      minute: 'numeric',
      hourCycle: 'h23',
    });
    formats.set(zone, format);
  }
  const fields: Record<string, string> = {};
  for (const part of format.formatToParts(instant)) fields[part.type] = part.value;
  const clock = {
    year: Number(fields.year),
    month: Number(fields.month),
    day: Number(fields.day),
    weekday: WEEKDAY_NUMBERS[fields.weekday ?? ''] ?? Number.NaN,
    hour: Number(fields.hour),
    minute: Number(fields.minute),
  };
  const wallMinutes = Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute) / 60_000;
  return { ...clock, offsetMinutes: wallMinutes - Math.floor(instant.getTime() / 60_000) };
}
