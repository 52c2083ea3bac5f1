import type { TidingsConfig } from '../config.js';
import { type AddOutcome, addSubscriber } from './add.js';
import { parseCsvRecords } from './csv.js';
import type { SubscriptionDeps } from './deps.js';
import { SubscriptionInputError, SuppressedAddressError } from './errors.js';
import { parseEditions, parseEmail } from './input.js';
import { subscribe } from './subscribe.js';

export interface ImportRow {
  /** 1-based line of the CSV where the row starts. */
  line: number;
  email: string;
  editions: string[];
  optedIn: boolean;
}

export interface ImportProblem {
  line: number;
  reason: string;
}

/** Longest CSV accepted by `subscribers import`; larger lists are split by the operator. */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

/**
 * Reads an import file: columns `email,editions[,opted_in]`, an optional header row naming them.
 * Editions within the field are separated by `;`, `|`, or commas inside a quoted field
 * (`"dc,sg"`). `opted_in` is `yes` for readers who already confirmed elsewhere; empty or `no`
 * otherwise. Bad rows are reported by line with the reason and left out.
 */
export function parseSubscriberCsv(
  config: TidingsConfig,
  text: string,
): { rows: ImportRow[]; problems: ImportProblem[] } {
  const rows: ImportRow[] = [];
  const problems: ImportProblem[] = [];
  const seen = new Map<string, number>();
  const records = parseCsvRecords(text);
  const header = records[0]?.fields[0]?.trim().toLowerCase();
  if (header === 'email' || header === 'e-mail') records.shift();
  for (const record of records) {
    const { line, fields } = record;
    if (record.error) {
      problems.push({ line, reason: record.error });
      continue;
    }
    if (fields.length < 2 || fields.length > 3) {
      problems.push({
        line,
        reason: `expected 2 or 3 columns (email,editions[,opted_in]), found ${fields.length}`,
      });
      continue;
    }
    const [rawEmail = '', rawEditions = '', rawOptIn = ''] = fields;
    try {
      const email = parseEmail(rawEmail);
      const editions = parseEditions(
        config,
        rawEditions
          .split(/[;|,]/)
          .map((e) => e.trim())
          .filter(Boolean),
      );
      const optIn = rawOptIn.trim().toLowerCase();
      if (optIn !== '' && optIn !== 'yes' && optIn !== 'no') {
        throw new SubscriptionInputError(
          'opted_in',
          `opted_in must be "yes", "no" or empty, not "${optIn.slice(0, 20)}"`,
        );
      }
      const earlier = seen.get(email);
      if (earlier !== undefined) {
        problems.push({ line, reason: `${email} appears already on line ${earlier}` });
        continue;
      }
      seen.set(email, line);
      rows.push({ line, email, editions, optedIn: optIn === 'yes' });
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
      if (row.optedIn) {
        outcome = await addSubscriber(deps, { email: row.email, editions: row.editions, method: 'import' });
      } else {
        const result = await subscribe(deps, { email: row.email, editions: row.editions, method: 'import' });
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
