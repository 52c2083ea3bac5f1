import { type EditionConfig, findEdition, type TidingsConfig, type Weekday } from '../config.js';
import { localInstant, localParts, sendMinutes } from '../edition.js';
import { DEFAULT_RHYTHM, type Rhythm } from '../subscriber.js';

/**
 * When a reader gets each of their editions, in their own time: what the preferences page says,
 * the welcome email may say, and `subscribers list` prints. Pure: the caller passes the instant
 * whose date decides the daylight-saving offsets.
 */
export interface DeliveryTime {
  edition: string;
  /** The edition's name, for pages. */
  name: string;
  /** `HH:MM` in the reader's zone (the edition's zone when the reader has none). */
  readerTime: string;
  /** The zone `readerTime` is in. */
  readerZone: string;
  /** Whether the edition sends at its send time in each reader's zone (`readerLocalTime`). */
  followsReader: boolean;
  /** The edition's own send time (`HH:MM`) and zone. */
  sendTime: string;
  editionZone: string;
  /** The reader's day against the edition's: -1 the day before, 1 the day after, 0 the same day. */
  dayShift: -1 | 0 | 1;
  /** The day the edition's weekly roundup comes. */
  roundupDay: Weekday;
}

const DAY_MS = 86_400_000;

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** When the edition reaches a reader in `readerZone` (absent: the edition's zone) around `now`. */
export function deliveryTimeOf(
  edition: EditionConfig,
  readerZone: string | undefined,
  now: Date,
): DeliveryTime {
  const zone = readerZone ?? edition.timeZone;
  const base = {
    edition: edition.id,
    name: edition.name,
    readerZone: zone,
    followsReader: edition.readerLocalTime,
    sendTime: edition.sendTime,
    editionZone: edition.timeZone,
    roundupDay: edition.roundupDay,
  };
  if (edition.readerLocalTime || zone === edition.timeZone) {
    return { ...base, readerTime: edition.sendTime, dayShift: 0 };
  }
  const editionDate = localParts(now, edition.timeZone).date;
  const sent = localInstant(editionDate, sendMinutes(edition), edition.timeZone);
  const reader = localParts(sent, zone);
  const shift = Math.round((Date.parse(reader.date) - Date.parse(editionDate)) / DAY_MS);
  return { ...base, readerTime: hhmm(reader.minutes), dayShift: Math.sign(shift) as -1 | 0 | 1 };
}

/** {@link deliveryTimeOf} for each configured edition of `editions`, in the order given. */
export function deliveryTimes(
  config: TidingsConfig,
  editions: readonly string[],
  readerZone: string | undefined,
  now: Date,
): DeliveryTime[] {
  return editions.flatMap((id) => {
    const edition = findEdition(config, id);
    return edition ? [deliveryTimeOf(edition, readerZone, now)] : [];
  });
}

const WEEKDAY_NAMES: Readonly<Record<Weekday, string>> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

export function weekdayName(day: Weekday): string {
  return WEEKDAY_NAMES[day];
}

/**
 * One sentence: when the reader gets this edition, e.g. "D.C.: at 17:30 your time (07:00 in
 * America/New_York)", or "SG: at 07:00 your time" for an edition that follows the reader's zone;
 * a weekly reader is told the roundup's day.
 */
export function describeDelivery(time: DeliveryTime, rhythm: Rhythm | undefined): string {
  const when =
    (rhythm ?? DEFAULT_RHYTHM) === 'weekly'
      ? `on ${weekdayName(time.roundupDay)}s`
      : rhythm === 'weekdays'
        ? 'Monday to Friday'
        : 'on its send days';
  // The edition's day seen from the reader's: their -1 is the edition's next day.
  const day = time.dayShift === -1 ? ' the next day' : time.dayShift === 1 ? ' the day before' : '';
  const own =
    time.followsReader || time.readerZone === time.editionZone
      ? ''
      : ` (${time.sendTime}${day} in ${time.editionZone})`;
  return `${time.name}: ${when}, at ${time.readerTime} your time${own}`;
}
