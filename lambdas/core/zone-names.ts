/**
 * Time-zone abbreviations as readers know them. `Intl` in English names only the American zones
 * ("EST"); elsewhere it writes an offset ("GMT+1"), which a reader in Brussels or Lagos does not
 * say. This table gives the names in use for the zones of Tidings' editions and their neighbours;
 * a zone missing here keeps Intl's name, with "UTC" instead of "GMT" before an offset.
 */

/** Zone → its abbreviation by Intl's offset label (standard and, where observed, summer time). */
const ZONE_NAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  // Central European Time / Central European Summer Time.
  ...Object.fromEntries(
    [
      'Europe/Amsterdam',
      'Europe/Berlin',
      'Europe/Brussels',
      'Europe/Copenhagen',
      'Europe/Luxembourg',
      'Europe/Madrid',
      'Europe/Oslo',
      'Europe/Paris',
      'Europe/Prague',
      'Europe/Rome',
      'Europe/Stockholm',
      'Europe/Vienna',
      'Europe/Warsaw',
      'Europe/Zurich',
    ].map((zone) => [zone, { 'GMT+1': 'CET', 'GMT+2': 'CEST' }]),
  ),
  'Europe/London': { GMT: 'GMT', 'GMT+1': 'BST' },
  'Europe/Dublin': { GMT: 'GMT', 'GMT+1': 'IST' },
  'Europe/Athens': { 'GMT+2': 'EET', 'GMT+3': 'EEST' },
  'Europe/Helsinki': { 'GMT+2': 'EET', 'GMT+3': 'EEST' },
  // West Africa Time.
  'Africa/Lagos': { 'GMT+1': 'WAT' },
  'Africa/Accra': { GMT: 'GMT' },
  'Africa/Nairobi': { 'GMT+3': 'EAT' },
  'Africa/Johannesburg': { 'GMT+2': 'SAST' },
  'Africa/Cairo': { 'GMT+2': 'EET', 'GMT+3': 'EEST' },
  // Arabia Standard Time.
  'Asia/Riyadh': { 'GMT+3': 'AST' },
  'Asia/Qatar': { 'GMT+3': 'AST' },
  'Asia/Kuwait': { 'GMT+3': 'AST' },
  'Asia/Dubai': { 'GMT+4': 'GST' },
  // China Standard Time.
  'Asia/Shanghai': { 'GMT+8': 'CST' },
  'Asia/Hong_Kong': { 'GMT+8': 'HKT' },
  'Asia/Taipei': { 'GMT+8': 'CST' },
  // Singapore Time.
  'Asia/Singapore': { 'GMT+8': 'SGT' },
  'Asia/Kuala_Lumpur': { 'GMT+8': 'MYT' },
  'Asia/Jakarta': { 'GMT+7': 'WIB' },
  'Asia/Bangkok': { 'GMT+7': 'ICT' },
  'Asia/Tokyo': { 'GMT+9': 'JST' },
  'Asia/Seoul': { 'GMT+9': 'KST' },
  'Asia/Kolkata': { 'GMT+5:30': 'IST' },
  'Australia/Sydney': { 'GMT+10': 'AEST', 'GMT+11': 'AEDT' },
};

/**
 * The abbreviation readers use for `intlName` (Intl's short zone name, e.g. "GMT+1") in `timeZone`
 * (e.g. "CET" in Europe/Brussels in winter); Intl's own name when it is already a word ("EST").
 */
export function readerZoneName(timeZone: string, intlName: string): string {
  const known = ZONE_NAMES[timeZone]?.[intlName];
  if (known) return known;
  return intlName.startsWith('GMT+') || intlName.startsWith('GMT-') ? `UTC${intlName.slice(3)}` : intlName;
}

/**
 * The zones whose short name Intl writes as a word in en-US (the American ones and UTC), by
 * offset in minutes east of UTC: every other zone it names by its offset ("GMT+1").
 */
const INTL_WORDS: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  UTC: { 0: 'UTC' },
  'America/New_York': { [-300]: 'EST', [-240]: 'EDT' },
  'America/Chicago': { [-360]: 'CST', [-300]: 'CDT' },
  'America/Denver': { [-420]: 'MST', [-360]: 'MDT' },
  'America/Phoenix': { [-420]: 'MST' },
  'America/Los_Angeles': { [-480]: 'PST', [-420]: 'PDT' },
  'America/Anchorage': { [-540]: 'AKST', [-480]: 'AKDT' },
  'Pacific/Honolulu': { [-600]: 'HST' },
};

/** An offset as Intl's short zone name writes it in en-US: "GMT", "GMT+1", "GMT+5:30", "GMT-3". */
export function offsetLabel(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'GMT';
  const size = Math.abs(offsetMinutes);
  const minutes = size % 60;
  return `GMT${offsetMinutes < 0 ? '-' : '+'}${Math.floor(size / 60)}${minutes ? `:${String(minutes).padStart(2, '0')}` : ''}`;
}

/**
 * What `readerZoneName` gives for `timeZone` at an offset, when that is known without asking Intl
 * for its name: a zone of the tables above at one of the offsets they list. Undefined otherwise.
 */
export function knownZoneName(timeZone: string, offsetMinutes: number): string | undefined {
  return INTL_WORDS[timeZone]?.[offsetMinutes] ?? ZONE_NAMES[timeZone]?.[offsetLabel(offsetMinutes)];
}
