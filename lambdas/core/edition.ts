import { type EditionConfig, WEEKDAYS, type Weekday } from './config.js';
import { wallClock } from './zone-clock.js';

/**
 * Issue ids: `<edition>-<YYYY-MM-DD>` for a daily issue, the date being the edition's local date,
 * and `<edition>-<YYYY>-W<ww>` for a weekly roundup, the ISO week (and its week-numbering year)
 * in the edition's zone, e.g. `dc-2026-W49`. An edition id holds no capital, so no id is both.
 */
export const ISSUE_ID_PATTERN = /^([a-z][a-z0-9-]{0,30})-(\d{4}-\d{2}-\d{2}|\d{4}-W\d{2})$/;

/** A weekly roundup's id: `<edition>-<YYYY>-W<ww>`. */
export const ROUNDUP_ID_PATTERN = /^([a-z][a-z0-9-]{0,30})-(\d{4})-W(\d{2})$/;

interface LocalParts {
  date: string;
  weekday: Weekday;
  minutes: number;
}

const twoDigits = (value: number): string => String(value).padStart(2, '0');

/** The wall-clock date, weekday and minute of day of an instant in a time zone. */
export function localParts(instant: Date, timeZone: string): LocalParts {
  const clock = wallClock(instant, timeZone);
  return {
    date: `${clock.year}-${twoDigits(clock.month)}-${twoDigits(clock.day)}`,
    // `Date#getDay` counts from Sunday, the editions' weekdays from Monday (ISO).
    weekday: WEEKDAYS[(clock.weekday + 6) % 7] as Weekday,
    minutes: clock.hour * 60 + clock.minute,
  };
}

/** The edition's local date (YYYY-MM-DD) at an instant. */
export function localDate(instant: Date, timeZone: string): string {
  return localParts(instant, timeZone).date;
}

export function issueIdFor(editionId: string, date: string): string {
  return `${editionId}-${date}`;
}

/** What an issue id names: a daily issue's local date, or a roundup's ISO week. */
export type ParsedIssueId =
  | { edition: string; date: string; week?: undefined }
  | { edition: string; isoYear: number; week: number; date?: undefined };

/**
 * Splits an issue id into edition and local date (a daily issue) or ISO week-year and week (a
 * roundup); undefined when it is neither, or names a date or week that does not exist.
 */
export function parseIssueId(issueId: string): ParsedIssueId | undefined {
  const roundup = parseRoundupId(issueId);
  if (roundup) return roundup;
  const match = ISSUE_ID_PATTERN.exec(issueId);
  if (!match?.[1] || !match[2] || match[2].includes('W')) return undefined;
  if (Number.isNaN(Date.parse(`${match[2]}T00:00:00Z`))) return undefined;
  return { edition: match[1], date: match[2] };
}

// ---------------------------------------------------------------- ISO weeks and roundup ids

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a calendar date `YYYY-MM-DD` (no zone involved). */
function dayNumber(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** ISO weekday 1 (Monday) … 7 (Sunday) of a day number (1970-01-01 was a Thursday). */
function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/**
 * The ISO 8601 week of a calendar date: its week-numbering year and week 1–53. Weeks start on
 * Monday; week 1 is the one holding the year's first Thursday, so 2026-12-31 and 2027-01-01 are
 * both in 2026-W53, and 2024-12-30 is in 2025-W01.
 */
export function isoWeekOf(date: string): { isoYear: number; week: number } {
  const day = dayNumber(date);
  const thursday = day - isoWeekday(day) + 4;
  const isoYear = Number(dateOfDay(thursday).slice(0, 4));
  const week = Math.floor((thursday - dayNumber(`${isoYear}-01-01`)) / 7) + 1;
  return { isoYear, week };
}

/** Weeks in an ISO week-numbering year: 53 when its December 28th falls in week 53, else 52. */
export function isoWeeksIn(isoYear: number): number {
  return isoWeekOf(`${String(isoYear).padStart(4, '0')}-12-28`).week;
}

/** The Monday (`YYYY-MM-DD`) that starts the ISO week holding a calendar date. */
export function isoWeekMonday(date: string): string {
  const day = dayNumber(date);
  return dateOfDay(day - isoWeekday(day) + 1);
}

/** `dc-2026-W49`: the roundup id of the ISO week holding a local date. */
export function roundupIdFor(editionId: string, date: string): string {
  const { isoYear, week } = isoWeekOf(date);
  return `${editionId}-${String(isoYear).padStart(4, '0')}-W${String(week).padStart(2, '0')}`;
}

/** The roundup id of the edition's ISO week at `now`, in the edition's zone. */
export function currentRoundupId(edition: Pick<EditionConfig, 'id' | 'timeZone'>, now: Date): string {
  return roundupIdFor(edition.id, localDate(now, edition.timeZone));
}

/** Splits a roundup id; undefined when it is not one, or names week 00, or a week 53 the year lacks. */
export function parseRoundupId(
  issueId: string,
): { edition: string; isoYear: number; week: number } | undefined {
  const match = ROUNDUP_ID_PATTERN.exec(issueId);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  const isoYear = Number(match[2]);
  const week = Number(match[3]);
  if (week < 1 || week > isoWeeksIn(isoYear)) return undefined;
  return { edition: match[1], isoYear, week };
}

/**
 * The instant a local wall-clock time (`YYYY-MM-DD`, minutes after midnight) happens in a zone.
 * A time a daylight-saving jump skips comes out as the first instant after the jump.
 */
export function localInstant(date: string, minutes: number, timeZone: string): Date {
  const wanted = dayNumber(date) * 1440 + minutes;
  let at = wanted * 60_000;
  for (let pass = 0; pass < 3; pass++) {
    const local = localParts(new Date(at), timeZone);
    const seen = dayNumber(local.date) * 1440 + local.minutes;
    if (seen === wanted) break;
    at += (wanted - seen) * 60_000;
  }
  return new Date(at);
}

export function sendMinutes(edition: Pick<EditionConfig, 'sendTime'>): number {
  const [hours, minutes] = edition.sendTime.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/**
 * Whether the edition's issue for its current local date is due at `now`: today is a send day
 * and the local send time has passed. Whether it has already gone out is the ledger's business.
 */
export function isSendDue(
  edition: Pick<EditionConfig, 'timeZone' | 'sendTime' | 'sendDays'>,
  now: Date,
): boolean {
  const local = localParts(now, edition.timeZone);
  return edition.sendDays.includes(local.weekday) && local.minutes >= sendMinutes(edition);
}

/** Whether `now` falls on one of the edition's send days, in its calendar. */
export function isSendDay(edition: Pick<EditionConfig, 'timeZone' | 'sendDays'>, now: Date): boolean {
  return edition.sendDays.includes(localParts(now, edition.timeZone).weekday);
}

/** The issue id the edition would carry at `now`. */
export function currentIssueId(edition: Pick<EditionConfig, 'id' | 'timeZone'>, now: Date): string {
  return issueIdFor(edition.id, localDate(now, edition.timeZone));
}

/**
 * Whether the edition's roundup for its current ISO week is due at `now`: its `roundupDay` at the
 * send time has come this week (a later day of the same week still counts, so a missed run is
 * caught up before the week ends). Whether it was composed already is the issue store's business.
 */
export function isRoundupDue(
  edition: Pick<EditionConfig, 'timeZone' | 'sendTime' | 'roundupDay'>,
  now: Date,
): boolean {
  const local = localParts(now, edition.timeZone);
  const today = WEEKDAYS.indexOf(local.weekday);
  const day = WEEKDAYS.indexOf(edition.roundupDay);
  return today > day || (today === day && local.minutes >= sendMinutes(edition));
}
