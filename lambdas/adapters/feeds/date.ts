/**
 * Dates as feeds write them: RFC 822/2822 (RSS, and some JSON Feeds) and ISO 8601/RFC 3339
 * (Atom, RSS 1.0 `dc:date`, JSON Feed). Each becomes a UTC instant or `undefined`; nothing here
 * guesses beyond what the formats allow, so an unreadable date is reported, not invented.
 */

const MONTHS: Readonly<Record<string, number>> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

/** Zone names of RFC 822 plus a few common in the wild; minutes east of UTC. */
const ZONES: Readonly<Record<string, number>> = {
  ut: 0,
  utc: 0,
  gmt: 0,
  z: 0,
  est: -300,
  edt: -240,
  cst: -360,
  cdt: -300,
  mst: -420,
  mdt: -360,
  pst: -480,
  pdt: -420,
  wet: 0,
  west: 60,
  bst: 60,
  cet: 60,
  cest: 120,
  eet: 120,
  eest: 180,
  msk: 180,
  jst: 540,
  aest: 600,
  aedt: 660,
};

const RFC822 =
  /^(?:[^\s,\d]+,?\s*)?(\d{1,2})\s+([a-z]{3})[a-z]*\.?\s+(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[a-z]{1,5})?$/i;

const ISO8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T\s](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

function offsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined) return 0; // a missing zone is read as UTC, as RFC 3339 peers do
  if (/^[+-]\d{2}(:?\d{2})?$/.test(zone)) {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2) || '0');
    if (hours > 23 || minutes > 59) return undefined;
    return sign * (hours * 60 + minutes);
  }
  const named = ZONES[zone.toLowerCase()];
  if (named !== undefined) return named;
  // RFC 2822 §4.3: other single military letters carry no reliable offset; read them as -0000.
  return /^[a-ik-z]$/i.test(zone) ? 0 : undefined;
}

function instant(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millis: number,
  offset: number,
): string | undefined {
  if (month < 0 || month > 11 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) {
    return undefined;
  }
  const utc = Date.UTC(year, month, day, hour, minute, Math.min(second, 59), millis);
  // Reject 31 Feb and friends: Date.UTC would roll them over into the next month.
  const check = new Date(Date.UTC(year, month, day));
  if (check.getUTCMonth() !== month || check.getUTCDate() !== day) return undefined;
  const value = utc - offset * 60_000;
  if (!Number.isFinite(value)) return undefined;
  return new Date(value).toISOString();
}

/**
 * Reads a feed date as a UTC instant (`2026-11-30T07:00:00.000Z`), or `undefined` when it is
 * neither RFC 822 nor ISO 8601. Two-digit RFC 822 years follow RFC 2822 (00–49 → 20xx); a date
 * without a time is midnight UTC; a time without a zone is UTC.
 */
export function parseFeedDate(raw: string | undefined | null): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  const text = raw.replace(/\s+/g, ' ').trim();
  if (text === '' || text.length > 80) return undefined;

  const iso = ISO8601.exec(text);
  if (iso) {
    const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', zone] = iso;
    const offset = offsetMinutes(zone);
    if (offset === undefined) return undefined;
    return instant(
      Number(y),
      Number(mo) - 1,
      Number(d),
      Number(h),
      Number(mi),
      Number(s),
      Number(frac.padEnd(3, '0').slice(0, 3)),
      offset,
    );
  }

  const rfc = RFC822.exec(text);
  if (rfc) {
    const [, d, mon = '', y = '', h, mi, s = '0', zone] = rfc;
    const month = MONTHS[mon.toLowerCase()];
    if (month === undefined) return undefined;
    let year = Number(y);
    if (y.length === 2) year += year < 50 ? 2000 : 1900;
    const offset = offsetMinutes(zone);
    if (offset === undefined) return undefined;
    return instant(year, month, Number(d), Number(h), Number(mi), Number(s), 0, offset);
  }
  return undefined;
}
