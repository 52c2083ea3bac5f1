import type { TidingsConfig } from '../config.js';
import type { Rhythm } from '../subscriber.js';
import { type AddOutcome, addSubscriber } from './add.js';
import { parseCsvRecords } from './csv.js';
import type { SubscriptionDeps } from './deps.js';
import { SubscriptionInputError, SuppressedAddressError } from './errors.js';
import { parseEditions, parseEmail, parseRhythm, parseTimeZone } from './input.js';
import { subscribe } from './subscribe.js';

export interface ImportRow {
  /** 1-based line of the CSV where the row starts. */
  line: number;
  email: string;
  editions: string[];
  optedIn: boolean;
  timeZone?: string;
  rhythm?: Rhythm;
}

export interface ImportProblem {
  line: number;
  reason: string;
}

/** Longest CSV accepted by `subscribers import`; larger lists are split by the operator. */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

/** The columns of an import file, in the order they are read without a header row. */
export const IMPORT_COLUMNS = ['email', 'editions', 'opted_in', 'time_zone', 'rhythm'] as const;
type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/**
 * The column of each field: from the header row when there is one (any order, `email` and
 * `editions` required, the others optional), else {@link IMPORT_COLUMNS} in order.
 */
function columnsOf(header: readonly string[] | undefined): readonly ImportColumn[] | string {
  if (!header) return IMPORT_COLUMNS;
  const names = header.map((h) =>
    h
      .trim()
      .toLowerCase()
      .replace(/^e-mail$/, 'email'),
  );
  const unknown = names.find((n) => !(IMPORT_COLUMNS as readonly string[]).includes(n));
  if (unknown !== undefined) {
    return `unknown column "${unknown.slice(0, 40)}" in the header; the columns are ${IMPORT_COLUMNS.join(', ')}`;
  }
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) return `column "${twice}" appears twice in the header`;
  if (!names.includes('email') || !names.includes('editions')) {
    return 'the header must name the columns email and editions';
  }
  return names as ImportColumn[];
}

/**
 * Reads an import file: columns `email,editions[,opted_in[,time_zone[,rhythm]]]`, or any order of
 * them under a header row naming them. Editions within the field are separated by `;`, `|`, or
 * commas inside a quoted field (`"dc,sg"`). `opted_in` is `yes` for readers who already confirmed
 * elsewhere; empty or `no` otherwise. `time_zone` is an IANA zone and `rhythm` one of daily,
 * weekdays or weekly, both optional and checked as the API checks them. Bad rows are reported by
 * line with the reason and left out.
 */
export function parseSubscriberCsv(
  config: TidingsConfig,
  text: string,
): { rows: ImportRow[]; problems: ImportProblem[] } {
  const rows: ImportRow[] = [];
  const problems: ImportProblem[] = [];
  const seen = new Map<string, number>();
  const records = parseCsvRecords(text);
  const first = records[0]?.fields.map((f) => f.trim().toLowerCase()) ?? [];
  const header = first.includes('email') || first.includes('e-mail') ? records.shift() : undefined;
  const columns = columnsOf(header?.fields);
  if (typeof columns === 'string') {
    return { rows, problems: [{ line: header?.line ?? 1, reason: columns }] };
  }
  const most = columns.length;
  const range = most === 2 ? '2' : most === 3 ? '2 or 3' : `2 to ${most}`;
  const expected = header
    ? `${range} columns (${columns.join(',')})`
    : `${range} columns (email,editions[,opted_in[,time_zone[,rhythm]]])`;
  for (const record of records) {
    const { line, fields } = record;
    if (record.error) {
      problems.push({ line, reason: record.error });
      continue;
    }
    if (fields.length < 2 || fields.length > most) {
      problems.push({ line, reason: `expected ${expected}, found ${fields.length}` });
      continue;
    }
    const field = (name: ImportColumn): string => {
      const at = columns.indexOf(name);
      return at < 0 ? '' : (fields[at] ?? '');
    };
    try {
      const email = parseEmail(field('email'));
      const editions = parseEditions(
        config,
        field('editions')
          .split(/[;|,]/)
          .map((e) => e.trim())
          .filter(Boolean),
      );
      const optIn = field('opted_in').trim().toLowerCase();
      if (optIn !== '' && optIn !== 'yes' && optIn !== 'no') {
        throw new SubscriptionInputError(
          'opted_in',
          `opted_in must be "yes", "no" or empty, not "${optIn.slice(0, 20)}"`,
        );
      }
      const timeZone = parseTimeZone(field('time_zone'));
      const rhythm = parseRhythm(field('rhythm'));
      const earlier = seen.get(email);
      if (earlier !== undefined) {
        problems.push({ line, reason: `${email} appears already on line ${earlier}` });
        continue;
      }
      seen.set(email, line);
      const row: ImportRow = { line, email, editions, optedIn: optIn === 'yes' };
      if (timeZone !== undefined) row.timeZone = timeZone;
      if (rhythm !== undefined) row.rhythm = rhythm;
      rows.push(row);
    } catch (error) {
      if (!(error instanceof SubscriptionInputError)) throw error;
      problems.push({ line, reason: error.message });
    }
  }
  return { rows, problems };
}

export type ImportOutcome =
  | AddOutcome
  | 'confirmation sent'
  | 'request recorded'
  | 'suppressed'
  | 'left earlier';

/**
 * Imports parsed rows one by one: opted-in rows become active (consent `import`), others get a
 * confirmation email and stay pending. Rows that fail are reported, the rest go on.
 */
export async function importSubscribers(
  deps: SubscriptionDeps,
  rows: readonly ImportRow[],
): Promise<{ line: number; email: string; outcome?: ImportOutcome; problem?: string }[]> {
  const results: { line: number; email: string; outcome?: ImportOutcome; problem?: string }[] = [];
  for (const row of rows) {
    try {
      let outcome: ImportOutcome;
      const request = { email: row.email, editions: row.editions, method: 'import' as const };
      const choices = {
        ...(row.timeZone !== undefined ? { timeZone: row.timeZone } : {}),
        ...(row.rhythm !== undefined ? { rhythm: row.rhythm } : {}),
      };
      if (row.optedIn) {
        outcome = await addSubscriber(deps, { ...request, ...choices });
      } else {
        const result = await subscribe(deps, { ...request, ...choices });
        outcome =
          result === 'sent' ? 'confirmation sent' : result === 'recorded' ? 'request recorded' : 'suppressed';
      }
      results.push({ line: row.line, email: row.email, outcome });
    } catch (error) {
      if (error instanceof SuppressedAddressError) {
        results.push({ line: row.line, email: row.email, outcome: 'suppressed' });
      } else {
        results.push({ line: row.line, email: row.email, problem: (error as Error).message });
      }
    }
  }
  return results;
}
