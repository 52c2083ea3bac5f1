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
