import { findEdition, type TidingsConfig } from '../config.js';
import {
  isReaderTimeZone,
  isRhythm,
  isValidEmail,
  MAX_EMAIL_LENGTH,
  normalizeEmail,
  RHYTHMS,
  type Rhythm,
} from '../subscriber.js';
import { keepsRule, SINGLE_LINE } from '../text-rules.js';
import { SubscriptionInputError } from './errors.js';

/** Reader input checked before anything is stored: addresses, edition ids, display names. */
/** The normalised address, or a {@link SubscriptionInputError} saying what is wrong with it. */
export function parseEmail(raw: unknown): string {
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new SubscriptionInputError('email', 'an email address is required');
  }
  if (raw.length > MAX_EMAIL_LENGTH + 2) {
    throw new SubscriptionInputError('email', `an email address is at most ${MAX_EMAIL_LENGTH} characters`);
  }
  const email = normalizeEmail(raw);
  if (!isValidEmail(email)) {
    throw new SubscriptionInputError(
      'email',
      'that does not look like an email address (e.g. reader@example.com)',
    );
  }
  return email;
}

/** Configured edition ids (deduplicated, in configuration order), or an error naming the unknown one. */
export function parseEditions(
  config: TidingsConfig,
  raw: unknown,
  options: { allowEmpty?: boolean } = {},
): string[] {
  if (!Array.isArray(raw) || raw.length > 50) {
    throw new SubscriptionInputError('editions', 'editions must be a list of edition ids');
  }
  const asked = new Set<string>();
  for (const value of raw) {
    if (typeof value !== 'string') throw new SubscriptionInputError('editions', 'edition ids are strings');
    const id = value.trim();
    if (!findEdition(config, id)) {
      throw new SubscriptionInputError(
        'editions',
        `unknown edition "${id.slice(0, 40)}"; choose from ${config.editions.map((e) => e.id).join(', ')}`,
      );
    }
    asked.add(id);
  }
  if (asked.size === 0 && !options.allowEmpty) {
    throw new SubscriptionInputError('editions', 'choose at least one edition');
  }
  return config.editions.filter((e) => asked.has(e.id)).map((e) => e.id);
}

/** An optional display name: one line, no control or bidi-override characters, at most 100 characters. */
export function parseName(raw: unknown): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') throw new SubscriptionInputError('name', 'name must be text');
  const name = raw.trim();
  if (name.length > 100) throw new SubscriptionInputError('name', 'name is at most 100 characters');
  if (!keepsRule(SINGLE_LINE, name))
    throw new SubscriptionInputError('name', 'name must be one line of plain text');
  return name === '' ? undefined : name;
}

/** Longest zone name accepted before it is looked up (the longest IANA name is 30 characters). */
const MAX_TIME_ZONE_LENGTH = 64;

/** What is shown of a refused value: the start of it, one line, so a hostile value stays short. */
function shown(value: string): string {
  const line = value.replace(/[\p{Cc}\p{Cf}]/gu, '?');
  return line.length > 40 ? `${line.slice(0, 40)}…` : line;
}

/**
 * An optional IANA time zone (e.g. `Europe/Brussels`); empty or absent is none (the edition's own
 * zone). Offsets (`+01:00`), abbreviations (`CET`) and names the runtime does not know are
 * refused: a reader's morning must follow their zone's daylight-saving rules.
 */
export function parseTimeZone(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') {
    throw new SubscriptionInputError('timeZone', 'timeZone must be text: an IANA zone such as Europe/Paris');
  }
  const zone = raw.trim();
  if (zone === '') return undefined;
  if (zone.length > MAX_TIME_ZONE_LENGTH) {
    throw new SubscriptionInputError(
      'timeZone',
      `timeZone is at most ${MAX_TIME_ZONE_LENGTH} characters: an IANA zone such as Europe/Paris`,
    );
  }
  const known = knownZone(zone);
  if (known === undefined) {
    throw new SubscriptionInputError(
      'timeZone',
      `unknown timeZone "${shown(zone)}": use an IANA zone such as Europe/Paris or America/New_York ` +
        '(not an offset like +01:00 nor an abbreviation like CET, which do not follow daylight saving)',
    );
  }
  return known;
}

/** The areas of IANA's geographic zone names (`Area/Location`). */
const IANA_AREA_NAME =
  /^(?:Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)(?:\/[A-Z][A-Za-z_-]{1,29}){1,2}$/;

/**
 * The zone as stored: a name the runtime lists as is; a current IANA name the runtime knows by an
 * older canonical name (`Asia/Kolkata` for `Asia/Calcutta`, `Europe/Kyiv`) as given, since browsers
 * send either; any other spelling Intl resolves to a listed zone (`asia/kolkata`, `US/Eastern`) as
 * that zone. Undefined when it is no reader's zone (offsets, abbreviations even where Intl maps
 * them to a city, `Etc/GMT+1`, junk).
 */
function knownZone(zone: string): string | undefined {
  if (isReaderTimeZone(zone)) return zone;
  // Abbreviations and POSIX names (CET, EST5EDT, GMT) resolve to some city: not a reader's choice.
  if (!zone.includes('/')) return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  if (!isReaderTimeZone(resolved)) return undefined;
  return IANA_AREA_NAME.test(zone) ? zone : resolved;
}

/** An optional rhythm (`daily`, `weekdays` or `weekly`); empty or absent is none (daily). */
export function parseRhythm(raw: unknown): Rhythm | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') {
    throw new SubscriptionInputError('rhythm', `rhythm must be text: one of ${RHYTHMS.join(', ')}`);
  }
  const rhythm = raw.trim().toLowerCase();
  if (rhythm === '') return undefined;
  if (!isRhythm(rhythm)) {
    throw new SubscriptionInputError(
      'rhythm',
      `unknown rhythm "${shown(rhythm)}": choose one of ${RHYTHMS.join(', ')}`,
    );
  }
  return rhythm;
}
