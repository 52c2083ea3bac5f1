import { findEdition, type TidingsConfig } from '../config.js';
import { isValidEmail, MAX_EMAIL_LENGTH, normalizeEmail } from '../subscriber.js';
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
