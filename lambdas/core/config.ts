import * as z from 'zod';
import { TidingsError } from './errors.js';
import { STAGE_NAME_PATTERN } from './stage-name.js';
import { isValidEmail } from './subscriber.js';
import { closestMatch } from './suggest.js';
import { HEADER_VALUE, ruleViolation, SINGLE_LINE } from './text-rules.js';

/**
 * The one place where Tidings settings are validated. The CDK app reads them from `cdk.json`
 * context, the CLI from the same file, and each Lambda from its `TIDINGS_CONFIG` environment
 * value; all three call {@link parseConfig}, so a bad setting fails the same way everywhere.
 */

export const EDITION_ID_PATTERN = /^[a-z][a-z0-9-]{0,30}$/;
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const FEED_FORMATS = ['tidings', 'jsonfeed', 'rss', 'atom', 'rdf'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    // Intl accepts offsets such as "+01:00"; an edition needs a named zone so DST is followed.
    return value.includes('/') || value === 'UTC';
  } catch {
    return false;
  }
}

/** Refuses what cannot go into a header as it is (URLs, addresses): see text-rules.ts. */
const headerValue = (value: string, ctx: z.RefinementCtx): void => {
  const why = ruleViolation(HEADER_VALUE, value);
  if (why) ctx.addIssue({ code: 'custom', message: why });
};

const httpUrl = z
  .string()
  .superRefine(headerValue)
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an http(s) URL');

/** The subscriber email rule (subscriber.ts), one for readers and for the configuration alike. */
const emailAddress = z
  .string()
  .superRefine(headerValue)
  .refine(isValidEmail, 'must be an email address such as news@example.com');

export const EditionConfigSchema = z.strictObject({
  id: z
    .string()
    .regex(EDITION_ID_PATTERN, 'must be lower-case letters, digits or "-", starting with a letter'),
  name: z.string().min(1).max(60),
  timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Brussels'),
  sendTime: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a 24-hour local time HH:MM between 00:00 and 23:59'),
  sendDays: z
    .array(z.enum(WEEKDAYS))
    .min(1)
    .refine((days) => new Set(days).size === days.length, 'must not repeat a day')
    .default([...WEEKDAYS]),
  holdForApproval: z.boolean().default(false),
  description: z.string().max(300).optional(),
  /**
   * `true`: each reader gets the edition at its send time in the reader's own time zone, in waves
   * per zone (docs/delivery.md, "Waves"); `false`: every reader at the edition's send time.
   */
  readerLocalTime: z.boolean().default(false),
  /** The day of the edition's week on which weekly readers get their roundup, at the send time. */
  roundupDay: z.enum(WEEKDAYS).default('sat'),
  /** A paragraph of the edition's own for the welcome email (plain text). */
  welcomeText: z.string().min(1).max(1000).optional(),
});
export type EditionConfig = z.infer<typeof EditionConfigSchema>;

export const SourceConfigSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits or "-"'),
  /** An http(s) URL, or a path relative to the project root (local files are for samples and tests). */
  location: z.string().min(1),
  name: z.string().min(1).max(120).optional(),
  format: z.enum([...FEED_FORMATS, 'auto']).default('auto'),
  editions: z.array(z.string().regex(EDITION_ID_PATTERN)).default([]),
  topic: z.string().min(1).max(60).optional(),
  region: z.string().min(1).max(80).optional(),
  /** `false`: this source's items never join or start a story; each stays a brief of its own. */
  cluster: z.boolean().optional(),
});
export type SourceConfig = z.infer<typeof SourceConfigSchema>;

export const TidingsConfigSchema = z
  .strictObject({
    stage: z.string().regex(STAGE_NAME_PATTERN, 'must be a short lower-case name such as dev or prod'),
    baseUrl: httpUrl,
    sender: z.strictObject({
      address: emailAddress,
      name: z.string().min(1).max(80),
      /** Domain verified in SES; the `mailto:` unsubscribe address lives there. */
      domain: z
        .string()
        .regex(/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, 'must be a domain name such as example.com'),
      replyTo: emailAddress.optional(),
    }),
    postalAddress: z.string().min(5).max(300),
    issueLimit: z.number().int().min(1).max(50).default(12),
    ses: z
      .strictObject({
        maxSendRate: z.number().positive().max(10_000).default(14),
        configurationSet: z.string().min(1).max(64).default('tidings'),
        transientBounceLimit: z.number().int().min(1).max(20).default(3),
        /**
         * How old a send claim must be before a later attempt records it `unknown`: longer than
         * one send attempt can run (the send function's timeout, 120 s), the same everywhere.
         */
        claimLeaseSeconds: z.number().int().min(150).max(3600).default(180),
      })
      .default({
        maxSendRate: 14,
        configurationSet: 'tidings',
        transientBounceLimit: 3,
        claimLeaseSeconds: 180,
      }),
    ingest: z
      .strictObject({
        rateMinutes: z.number().int().min(1).max(1440).default(15),
        timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
        maxBytes: z
          .number()
          .int()
          .min(1024)
          .max(100 * 1024 * 1024)
          .default(5 * 1024 * 1024),
        maxRedirects: z.number().int().min(0).max(10).default(5),
      })
      .default({ rateMinutes: 15, timeoutMs: 10_000, maxBytes: 5 * 1024 * 1024, maxRedirects: 5 }),
    api: z
      .strictObject({
        /** Requests per client per minute; 0 turns the limit off (benchmarks). */
        rateLimitPerMinute: z.number().int().min(0).default(30),
        confirmationWindowMinutes: z.number().int().min(1).default(10),
        confirmationTtlDays: z.number().int().min(1).max(90).default(7),
        corsOrigins: z.array(httpUrl).default([]),
        domainName: z.string().optional(),
        certificateArn: z.string().optional(),
      })
      .default({
        rateLimitPerMinute: 30,
        confirmationWindowMinutes: 10,
        confirmationTtlDays: 7,
        corsOrigins: [],
      }),
    alarmEmail: emailAddress.optional(),
    /**
     * The publication's wordmark atop every digest: a PNG or JPEG (mail clients do not show SVG)
     * stored at twice its display size; `width` and `height` are the display size in CSS pixels.
     * The sender's name is its alt text, and what a reader sees while images are off.
     */
    wordmark: z
      .strictObject({
        url: httpUrl,
        width: z.number().int().min(16).max(552),
        height: z.number().int().min(8).max(160),
      })
      .optional(),
    editions: z.array(EditionConfigSchema).min(1),
    sources: z.array(SourceConfigSchema).default([]),
  })
  .superRefine((config, ctx) => {
    const editionIds = new Set<string>();
    config.editions.forEach((edition, index) => {
      if (editionIds.has(edition.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['editions', index, 'id'],
          message: `duplicate edition id "${edition.id}"`,
        });
      }
      editionIds.add(edition.id);
    });
    const sourceIds = new Set<string>();
    config.sources.forEach((source, index) => {
      if (sourceIds.has(source.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', index, 'id'],
          message: `duplicate source id "${source.id}"`,
        });
      }
      sourceIds.add(source.id);
      source.editions.forEach((edition, e) => {
        if (!editionIds.has(edition)) {
          ctx.addIssue({
            code: 'custom',
            path: ['sources', index, 'editions', e],
            message: `unknown edition "${edition}"`,
          });
        }
      });
    });
  });

export type TidingsConfig = z.infer<typeof TidingsConfigSchema>;

/** A setting that cannot be used; `key` is the dotted path into the configuration, e.g. `editions.0.timeZone`. */
export class ConfigError extends TidingsError {
  override readonly name = 'ConfigError';
  override readonly kind = 'invalid-input';
  constructor(
    readonly key: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`invalid configuration at ${key}: ${reason}`, options);
  }
}

/** Validates raw configuration; throws {@link ConfigError} naming the first offending key. */
export function parseConfig(raw: unknown, root = 'tidings'): TidingsConfig {
  const unfit = unfitText(raw);
  const result = TidingsConfigSchema.safeParse(raw);
  if (result.success && !unfit) return result.data;
  const issue = unfit ?? result.error?.issues[0];
  const path = issue?.path ?? [];
  const key = [root, ...path].join('.');
  let reason = issue?.message ?? 'invalid';
  if (/received undefined/.test(reason)) reason = 'is required';
  if (issue?.code === 'unrecognized_keys' && issue.keys.length === 1) {
    const near = closestMatch(issue.keys[0] ?? '', keysAt(TidingsConfigSchema, path));
    if (near) reason += `; did you mean "${near}"?`;
  }
  // Name the edition or source too, so "editions.3.sendTime" reads as the one the operator wrote.
  const [list, index] = path;
  if ((list === 'editions' || list === 'sources') && typeof index === 'number') {
    const id = (raw as Record<string, Array<{ id?: unknown }> | undefined>)?.[list]?.[index]?.id;
    if (typeof id === 'string' && id) reason += ` (${list === 'editions' ? 'edition' : 'source'} "${id}")`;
  }
  throw new ConfigError(key, reason, { cause: result.error });
}

/**
 * The first configuration string that breaks the single-line rule of text-rules.ts. Any setting
 * may end up in a header, a Subject or a display name, so none holds a control character, a line
 * break or a bidirectional control, whatever its key.
 */
function unfitText(
  value: unknown,
  path: (string | number)[] = [],
): { code: 'custom'; path: (string | number)[]; message: string } | undefined {
  if (typeof value === 'string') {
    const why = ruleViolation(SINGLE_LINE, value);
    return why === undefined ? undefined : { code: 'custom', path, message: why };
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = unfitText(item, [...path, index]);
      if (found) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const found = unfitText(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/** The keys a strict object of the schema accepts at `path` (for "did you mean"). */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const bare = (s: unknown): unknown =>
    s instanceof z.ZodDefault || s instanceof z.ZodOptional ? bare(s.unwrap()) : s;
  let at = bare(schema);
  for (const step of path) {
    if (at instanceof z.ZodObject) at = bare(at.shape[String(step)]);
    else if (at instanceof z.ZodArray) at = bare(at.element);
    else return [];
  }
  return at instanceof z.ZodObject ? Object.keys(at.shape) : [];
}

/** The edition with that id, or undefined. */
export function findEdition(config: TidingsConfig, id: string): EditionConfig | undefined {
  return config.editions.find((edition) => edition.id === id);
}
