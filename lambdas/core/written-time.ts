/**
 * Dates and times written by hand in English as `Intl.DateTimeFormat('en-US')` writes them (each
 * use is tested against it): the first Intl object of a process costs a function's cold start
 * about 20 ms of ICU start-up, and the wording then does not follow the runtime's ICU version.
 */

export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/** By `Date#getDay`: Sunday first. */
export const DAY_NAMES = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
] as const;

/** "8:01 AM", "12:30 PM", "12:00 AM" for an hour 0–23 and a minute. */
export function twelveHourClock(hour: number, minute: number): string {
  return `${hour % 12 || 12}:${String(minute).padStart(2, '0')} ${hour < 12 ? 'AM' : 'PM'}`;
}
