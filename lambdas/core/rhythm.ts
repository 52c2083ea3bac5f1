import type { Weekday } from './config.js';
import type { Issue } from './issue.js';
import { DEFAULT_RHYTHM, type Rhythm } from './subscriber.js';

/**
 * Which readers an issue goes to, by rhythm (the one owner of this rule; the fan-out, the waves,
 * recovery and `cancel` all ask it):
 * - a daily issue goes to `daily` readers, and to `weekdays` readers when its local date (in the
 *   edition's calendar) is Monday to Friday;
 * - a weekly roundup goes to `weekly` readers only.
 */
export type IssueAudience = { kind: 'daily'; weekday: Weekday } | { kind: 'roundup' };

const WORKDAYS: ReadonlySet<Weekday> = new Set(['mon', 'tue', 'wed', 'thu', 'fri']);

export function rhythmGets(rhythm: Rhythm | undefined, audience: IssueAudience): boolean {
  const chosen = rhythm ?? DEFAULT_RHYTHM;
  if (audience.kind === 'roundup') return chosen === 'weekly';
  if (chosen === 'daily') return true;
  return chosen === 'weekdays' && WORKDAYS.has(audience.weekday);
}

/** The weekday of a local date `YYYY-MM-DD` (a calendar date, no zone involved). */
export function weekdayOf(localDate: string): Weekday {
  const day = new Date(`${localDate}T12:00:00Z`).getUTCDay();
  return (['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const)[day] as Weekday;
}

/** Who an issue is for, by its kind and local date. */
export function audienceOf(issue: Pick<Issue, 'kind' | 'localDate'>): IssueAudience {
  return issue.kind === 'roundup'
    ? { kind: 'roundup' }
    : { kind: 'daily', weekday: weekdayOf(issue.localDate) };
}
