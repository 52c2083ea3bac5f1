import type { EditionConfig, Weekday } from './config.js';

/** Issue ids are `<edition>-<YYYY-MM-DD>`, the date being the edition's local date. */
export const ISSUE_ID_PATTERN = /^([a-z][a-z0-9-]{0,30})-(\d{4}-\d{2}-\d{2})$/;

interface LocalParts {
  date: string;
  weekday: Weekday;
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock date, weekday and minute of day of an instant in a time zone. */
export function localParts(instant: Date, timeZone: string): LocalParts {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: String(parts.weekday).toLowerCase().slice(0, 3) as Weekday,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/** The edition's local date (YYYY-MM-DD) at an instant. */
export function localDate(instant: Date, timeZone: string): string {
  return localParts(instant, timeZone).date;
}

export function issueIdFor(editionId: string, date: string): string {
  return `${editionId}-${date}`;
}

/** Splits an issue id into edition and local date; undefined when it is not one. */
export function parseIssueId(issueId: string): { edition: string; date: string } | undefined {
  const match = ISSUE_ID_PATTERN.exec(issueId);
  if (!match?.[1] || !match[2]) return undefined;
  if (Number.isNaN(Date.parse(`${match[2]}T00:00:00Z`))) return undefined;
  return { edition: match[1], date: match[2] };
}

function sendMinutes(edition: Pick<EditionConfig, 'sendTime'>): number {
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

/** The issue id the edition would carry at `now`. */
export function currentIssueId(edition: Pick<EditionConfig, 'id' | 'timeZone'>, now: Date): string {
  return issueIdFor(edition.id, localDate(now, edition.timeZone));
}
