import { type EditionConfig, findEdition, type TidingsConfig, WEEKDAYS, type Weekday } from '../config.js';
import { localDate, localInstant, localParts, sendMinutes } from '../edition.js';
import { rhythmGets, weekdayOf } from '../rhythm.js';
import { DEFAULT_RHYTHM, type Subscriber } from '../subscriber.js';
import { readerZoneName } from '../zone-names.js';

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

const DAY_NAMES: Readonly<Record<Weekday, string>> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

/** "7:00 AM CET": an instant's wall-clock time in a zone, with the name readers use for the zone. */
export function clockTime(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).formatToParts(instant);
  return parts
    .map((part) => (part.type === 'timeZoneName' ? readerZoneName(timeZone, part.value) : part.value))
    .join('')
    .replace(/\u202f/g, ' ');
}

/** "every day", "Monday to Friday", "Sunday to Thursday", "on Mondays and Thursdays". */
function dayPhrase(days: ReadonlySet<Weekday>): string {
  if (days.size === 7) return 'every day';
  // A run of three days or more, across the week's end too, reads as "first to last".
  const at = (i: number): Weekday => WEEKDAYS[(i + 7) % 7] as Weekday;
  const start = WEEKDAYS.findIndex((d, i) => days.has(d) && !days.has(at(i - 1)));
  const run = [...Array(days.size).keys()].every((k) => days.has(at(start + k)));
  if (days.size >= 3 && run) return `${DAY_NAMES[at(start)]} to ${DAY_NAMES[at(start + days.size - 1)]}`;
  const names = WEEKDAYS.filter((d) => days.has(d)).map((d) => `${DAY_NAMES[d]}s`);
  const last = names.pop() ?? '';
  return `on ${names.length > 0 ? `${names.join(', ')} and ${last}` : last}`;
}

/** The next `count` instants at or after `from` of a schedule's send days at its send time. */
function nextSends(
  schedule: Pick<EditionConfig, 'timeZone' | 'sendTime'> & { sendDays: readonly Weekday[] },
  from: Date,
  count: number,
): Date[] {
  const out: Date[] = [];
  const first = Date.parse(`${localDate(from, schedule.timeZone)}T00:00:00Z`);
  for (let day = 0; out.length < count && day < 7 * count + 7; day++) {
    const date = new Date(first + day * 86_400_000).toISOString().slice(0, 10);
    if (!schedule.sendDays.includes(weekdayOf(date))) continue;
    const at = localInstant(date, sendMinutes(schedule), schedule.timeZone);
    if (at.getTime() >= from.getTime()) out.push(at);
  }
  return out;
}

/**
 * When an edition reaches a reader, said in the reader's time (their zone, else the edition's):
 * the next week of sends the reader's rhythm gets (a weekly reader: the roundup day), at the
 * edition's send time in the reader's zone when the edition has `readerLocalTime`, else at the
 * edition's send time converted to the reader's zone (whose day may differ from the edition's).
 */
export function arrivalPhrase(
  edition: EditionConfig,
  reader: Pick<Subscriber, 'timeZone' | 'rhythm'>,
  now: Date,
): string {
  const zone = reader.timeZone ?? edition.timeZone;
  const rhythm = reader.rhythm ?? DEFAULT_RHYTHM;
  const calendar = edition.readerLocalTime ? zone : edition.timeZone;
  const sendDays = rhythm === 'weekly' ? [edition.roundupDay] : edition.sendDays;
  const instants = nextSends({ timeZone: calendar, sendTime: edition.sendTime, sendDays }, now, 7).filter(
    (at) =>
      rhythm === 'weekly' || rhythmGets(rhythm, { kind: 'daily', weekday: localParts(at, calendar).weekday }),
  );
  const first = instants[0];
  // An edition that sends only at weekends read on weekdays: nothing arrives on this rhythm.
  if (!first) return 'never on the weekday rhythm (it is sent only at weekends)';
  const days = new Set(instants.map((at) => localParts(at, zone).weekday));
  const phrase =
    rhythm === 'weekly' ? `every ${DAY_NAMES[[...days][0] ?? edition.roundupDay]}` : dayPhrase(days);
  const when = `${phrase} at ${clockTime(first, zone)}`;
  if (edition.readerLocalTime || zone === edition.timeZone) return when;
  return `${when} (${clockTime(first, edition.timeZone)} in ${edition.name})`;
}

export function weekdayName(day: Weekday): string {
  return DAY_NAMES[day];
}

/**
 * One sentence: when the reader gets this edition, in their time, e.g. "D.C.: Monday to Friday at
 * 5:30 AM CST (6:30 AM EST in D.C.)" — the preferences page's line, the welcome email's phrase.
 */
export function describeDelivery(
  edition: EditionConfig,
  reader: Pick<Subscriber, 'timeZone' | 'rhythm'>,
  now: Date,
): string {
  return `${edition.name}: ${arrivalPhrase(edition, reader, now)}`;
}
