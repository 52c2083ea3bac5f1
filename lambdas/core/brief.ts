import { EDITION_ID_PATTERN } from './config.js';
import { keepsRule, MULTI_LINE, SINGLE_LINE } from './text-rules.js';
import * as z from './zod.js';

/**
 * A brief is one story in the shape of the seed page: headline, "The News", and signals, each
 * drawing on named sources. Brief text is data: it is stored and rendered as plain text, never as
 * markup.
 */

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Rejects what `Date` would silently roll over (Feb 30 → Mar 2) and years past 9999. */
function isRealInstant(value: string): boolean {
  const time = Date.parse(value);
  if (Number.isNaN(time)) return false;
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  const hour = Number(value.slice(11, 13));
  if (hour > 23 || !year || !month || !day) return false;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month <= 12 && day <= lastDay;
}

/** An ISO 8601 instant with a zone, normalised to UTC (`2026-11-30T12:00:00.000Z`). */
export const Instant = z.lazy(() =>
  z.pipe(
    z
      .string()
      .check(
        z.regex(ISO_INSTANT, 'must be an ISO 8601 date-time with a time zone, e.g. 2026-11-30T07:00:00Z'),
        z.refine(isRealInstant, 'is not a real date (day, month, hour or year out of range)'),
      ),
    z.transform((v: string) => new Date(v).toISOString()),
  ),
);

export const HttpUrl = z.lazy(() =>
  z.string().check(
    z.maxLength(2048),
    z.refine(
      (v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol),
      'must be an absolute http(s) URL',
    ),
  ),
);

/** Text trimmed, then 1 to `max` characters. */
const trimmed = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));

/** Single-line text (see text-rules.ts): it may reach a Subject, so no controls, line breaks or bidi controls. */
const line = (max: number) =>
  trimmed(max).check(
    z.refine((v) => keepsRule(SINGLE_LINE, v), `must not contain ${SINGLE_LINE.refusesWhat}`),
  );

/** Multi-line text (see text-rules.ts): tab and line feed kept, no other control characters. */
const paragraph = () =>
  trimmed(5000).check(
    z.refine((v) => keepsRule(MULTI_LINE, v), `must not contain ${MULTI_LINE.refusesWhat}`),
  );

function buildBriefSchema() {
  const body = paragraph();
  const sourceRef = z.strictObject({
    name: line(120),
    url: z.optional(HttpUrl),
  });
  const signal = z.strictObject({
    headline: line(200),
    body,
    sources: z.array(sourceRef).check(z.minLength(1), z.maxLength(10)),
  });
  return z.strictObject({
    id: z
      .string()
      .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, 'must be 1-200 letters, digits or . _ : -')),
    headline: line(300),
    dek: z.optional(line(600)),
    topic: z.pipe(
      z
        .string()
        .check(z.trim(), z.regex(/^[a-z0-9][a-z0-9 &-]{0,59}$/i, 'must be a short word such as "security"')),
      z.transform((v: string) => v.toLowerCase()),
    ),
    region: z.optional(line(80)),
    editions: z
      .array(z.string().check(z.regex(EDITION_ID_PATTERN, 'is not an edition id')))
      .check(z.minLength(1), z.maxLength(20)),
    publishedAt: Instant,
    updatedAt: Instant,
    url: z.optional(HttpUrl),
    image: z.optional(
      z.strictObject({
        url: HttpUrl,
        alt: line(300),
        credit: z.optional(line(200)),
      }),
    ),
    news: z.array(body).check(z.minLength(1), z.maxLength(20)),
    signals: z._default(z.array(signal).check(z.maxLength(10)), []),
    /** Where the brief came from: the configured source id and its display name. */
    source: z.optional(
      z.strictObject({ id: z.string().check(z.minLength(1), z.maxLength(64)), name: line(120) }),
    ),
  });
}

/**
 * A brief as ingest accepts it. Built on its first parse (`z.lazy`): compose, send and the API
 * carry this module for its types and helpers but never parse a brief, so their cold starts do
 * not build the schema.
 */
export const BriefSchema = z.lazy(buildBriefSchema);
export type Brief = z.infer<typeof BriefSchema>;
export type BriefInput = z.input<typeof BriefSchema>;
export type Signal = Brief['signals'][number];
export type SourceRef = Signal['sources'][number];

/** A brief as stored: what ingest wrote plus bookkeeping. */
export interface StoredBrief extends Brief {
  /** Hash of the content fields; equal hashes mean an update would change nothing. */
  contentHash: string;
  ingestedAt: string;
  retracted?: boolean;
}

/** The distinct source names of a brief's signals, in order of first appearance. */
export function signalSourceNames(brief: Pick<Brief, 'signals'>): string[] {
  const seen = new Map<string, string>();
  for (const signal of brief.signals) {
    for (const source of signal.sources) {
      const key = source.name.toLowerCase();
      if (!seen.has(key)) seen.set(key, source.name);
    }
  }
  return [...seen.values()];
}

/** Joins names as English prose: "A", "A and B", "A, B, and C". */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  if (names.length === 2) return `${names[0]} and ${names[1]}`;
  return `${names.slice(0, -1).join(', ')}, and ${names.at(-1)}`;
}

/** The deck line over a brief's signals, e.g. "Insights from the FT, Politico, and Reuters"; undefined without signals. */
export function deriveDeck(brief: Pick<Brief, 'signals'>): string | undefined {
  const names = signalSourceNames(brief);
  return names.length === 0 ? undefined : `Insights from ${joinNames(names)}`;
}
