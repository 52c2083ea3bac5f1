import { findEdition, type TidingsConfig } from '../../core/config.js';
import { DEFAULT_RHYTHM, RHYTHMS, type Rhythm } from '../../core/subscriber.js';
import { describeDelivery, weekdayName } from '../../core/subscriptions/delivery-times.js';

/** What the subscribe and preferences pages show of a reader's zone and rhythm. */

interface ZoneGroup {
  region: string;
  zones: { id: string; label: string }[];
}

function groupZones(ids: readonly string[]): ZoneGroup[] {
  const groups = new Map<string, ZoneGroup>();
  for (const id of [...ids].sort()) {
    const slash = id.indexOf('/');
    const region = slash < 0 ? 'Other' : id.slice(0, slash);
    const place = slash < 0 ? id : id.slice(slash + 1);
    const group = groups.get(region) ?? { region, zones: [] };
    groups.set(region, group);
    group.zones.push({ id, label: place.replaceAll('_', ' ').replaceAll('/', ' / ') });
  }
  return [...groups.values()];
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&#34;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

let listed: readonly string[] | undefined;
let listedGroups: ZoneGroup[] | undefined;

/**
 * The `<optgroup>`s and `<option>`s of the zone list: the zones a reader may pick
 * (`Intl.supportedValuesOf('timeZone')` and `UTC`), grouped by region (`Europe`, `America`, …),
 * each labelled by its place ("Argentina / Buenos Aires"); `current` is selected, and added to its
 * region when the runtime lists it under another name (e.g. `Asia/Kolkata` where it lists
 * `Asia/Calcutta`). Built here, escaped, rather than in Liquid: a loop over 400 zones costs a
 * template ten times the rest of the page.
 */
export function zoneOptions(current: string | undefined): string {
  listed ??= [...Intl.supportedValuesOf('timeZone'), 'UTC'];
  listedGroups ??= groupZones(listed);
  const groups =
    current === undefined || listed.includes(current) ? listedGroups : groupZones([...listed, current]);
  return groups
    .map((group) => {
      const options = group.zones.map(
        (z) =>
          `<option value="${escapeHtml(z.id)}"${z.id === current ? ' selected' : ''}>${escapeHtml(z.label)}</option>`,
      );
      return `<optgroup label="${escapeHtml(group.region)}">${options.join('')}</optgroup>`;
    })
    .join('\n');
}

export interface RhythmChoice {
  id: Rhythm;
  label: string;
  hint: string;
  checked: boolean;
}

/** When the weekly roundup comes for these editions: "on Saturdays", or per edition when they differ. */
export function roundupWhen(config: TidingsConfig, editions: readonly string[]): string {
  const chosen = editions.flatMap((id) => findEdition(config, id) ?? []);
  const shown = chosen.length > 0 ? chosen : config.editions;
  const days = new Set(shown.map((e) => e.roundupDay));
  if (days.size === 1) return `on ${weekdayName(shown[0]?.roundupDay ?? 'sat')}s`;
  return shown.map((e) => `${e.name} on ${weekdayName(e.roundupDay)}s`).join(', ');
}

/** The three rhythms as radios, `current` (default daily) checked. */
export function rhythmChoices(
  config: TidingsConfig,
  editions: readonly string[],
  current: string | undefined,
): RhythmChoice[] {
  const checked =
    current !== undefined && (RHYTHMS as readonly string[]).includes(current) ? current : DEFAULT_RHYTHM;
  const hints: Record<Rhythm, [string, string]> = {
    daily: ['Every issue', 'Each edition on its send days'],
    weekdays: ['Weekdays', 'Monday to Friday only'],
    weekly: [
      'Weekly roundup',
      `One email a week with the week’s top stories, ${roundupWhen(config, editions)}`,
    ],
  };
  return RHYTHMS.map((id) => ({ id, label: hints[id][0], hint: hints[id][1], checked: id === checked }));
}

/** One sentence per edition the reader gets: when it arrives in their time (see describeDelivery). */
export function deliveryLines(
  config: TidingsConfig,
  reader: { editions: readonly string[]; timeZone?: string; rhythm?: Rhythm },
  now: Date,
): string[] {
  const choices = {
    ...(reader.timeZone ? { timeZone: reader.timeZone } : {}),
    ...(reader.rhythm ? { rhythm: reader.rhythm } : {}),
  };
  return reader.editions.flatMap((id) => {
    const edition = findEdition(config, id);
    return edition ? [describeDelivery(edition, choices, now)] : [];
  });
}
