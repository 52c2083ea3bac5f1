import { TidingsError } from './errors.js';
import { STAGE_NAME_PATTERN } from './stage-name.js';
import { isValidEmail } from './subscriber.js';
import { closestMatch } from './suggest.js';
import { HEADER_VALUE, ruleViolation, SINGLE_LINE } from './text-rules.js';
import * as z from './zod.js';
import { isKnownZone } from './zone-clock.js';

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
  // Intl accepts offsets such as "+01:00"; an edition needs a named zone so DST is followed.
  return isKnownZone(value) && (value.includes('/') || value === 'UTC');
}

function buildSchemas() {
  /** Refuses what cannot go into a header as it is (URLs, addresses): see text-rules.ts. */
  const headerValue = z.superRefine((value: string, ctx) => {
    const why = ruleViolation(HEADER_VALUE, value);
    if (why) ctx.addIssue({ code: 'custom', message: why });
  });

  const httpUrl = z.string().check(
    headerValue,
    z.refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an http(s) URL'),
  );

  /** The subscriber email rule (subscriber.ts), one for readers and for the configuration alike. */
  const emailAddress = z
    .string()
    .check(headerValue, z.refine(isValidEmail, 'must be an email address such as news@example.com'));

  /** Text of `min` to `max` characters. */
  const text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));
  /** A whole number from `min` (to `max`, when given). */
  const whole = (min: number, max?: number) =>
    z.number().check(z.int(), z.gte(min), ...(max === undefined ? [] : [z.lte(max)]));
  /** {@link whole}, `fallback` when absent. */
  const count = (fallback: number, min: number, max?: number) => z._default(whole(min, max), fallback);
  const flag = z._default(z.boolean(), false);
  const weekday = z.enum(WEEKDAYS);

  const EditionConfigSchema = z.strictObject({
    id: z
      .string()
      .check(
        z.regex(EDITION_ID_PATTERN, 'must be lower-case letters, digits or "-", starting with a letter'),
      ),
    name: text(1, 60),
    timeZone: z.string().check(z.refine(isTimeZone, 'must be an IANA time zone such as Europe/Brussels')),
    sendTime: z
      .string()
      .check(
        z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a 24-hour local time HH:MM between 00:00 and 23:59'),
      ),
    sendDays: z._default(
      z.array(weekday).check(
        z.minLength(1),
        z.refine((days) => new Set(days).size === days.length, 'must not repeat a day'),
      ),
      [...WEEKDAYS],
    ),
    holdForApproval: flag,
    description: z.optional(z.string().check(z.maxLength(300))),
    /**
     * `true`: each reader gets the edition at its send time in the reader's own time zone, in waves
     * per zone (docs/delivery.md, "Waves"); `false`: every reader at the edition's send time.
     */
    readerLocalTime: flag,
    /** The day of the edition's week on which weekly readers get their roundup, at the send time. */
    roundupDay: z._default(weekday, 'sat'),
    /** A paragraph of the edition's own for the welcome email (plain text). */
    welcomeText: z.optional(text(1, 1000)),
  });

  const SourceConfigSchema = z.strictObject({
    id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits or "-"')),
    /** An http(s) URL, or a path relative to the project root (local files are for samples and tests). */
    location: z.string().check(z.minLength(1)),
    name: z.optional(text(1, 120)),
    format: z._default(z.enum([...FEED_FORMATS, 'auto']), 'auto'),
    editions: z._default(z.array(z.string().check(z.regex(EDITION_ID_PATTERN))), []),
    topic: z.optional(text(1, 60)),
    region: z.optional(text(1, 80)),
    /** `false`: this source's items never join or start a story; each stays a brief of its own. */
    cluster: z.optional(z.boolean()),
  });

  /** Every edition and source id once; a source's editions among the configured ones. */
  const distinctIds = z.superRefine(
    (config: { editions: { id: string }[]; sources: { id: string; editions: string[] }[] }, ctx): void => {
      // The ids of `items`, each repeat reported where it stands.
      const distinct = (kind: 'edition' | 'source', items: readonly { id: string }[]): Set<string> => {
        const ids = new Set<string>();
        items.forEach((item, index) => {
          if (ids.has(item.id)) {
            ctx.addIssue({
              code: 'custom',
              path: [`${kind}s`, index, 'id'],
              message: `duplicate ${kind} id "${item.id}"`,
            });
          }
          ids.add(item.id);
        });
        return ids;
      };
      const editionIds = distinct('edition', config.editions);
      distinct('source', config.sources);
      config.sources.forEach((source, index) => {
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
    },
  );

  const TidingsConfigSchema = z
    .strictObject({
      stage: z
        .string()
        .check(z.regex(STAGE_NAME_PATTERN, 'must be a short lower-case name such as dev or prod')),
      baseUrl: httpUrl,
      sender: z.strictObject({
        address: emailAddress,
        name: text(1, 80),
        /** Domain verified in SES; the `mailto:` unsubscribe address lives there. */
        domain: z
          .string()
          .check(z.regex(/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, 'must be a domain name such as example.com')),
        replyTo: z.optional(emailAddress),
      }),
      postalAddress: text(5, 300),
      issueLimit: count(12, 1, 50),
      ses: z._default(
        z.strictObject({
          maxSendRate: z._default(z.number().check(z.positive(), z.lte(10_000)), 14),
          configurationSet: z._default(text(1, 64), 'tidings'),
          transientBounceLimit: count(3, 1, 20),
          /**
           * How old a send claim must be before a later attempt records it `unknown`: longer than
           * one send attempt can run (the send function's timeout, 120 s), the same everywhere.
           */
          claimLeaseSeconds: count(180, 150, 3600),
        }),
        {
          maxSendRate: 14,
          configurationSet: 'tidings',
          transientBounceLimit: 3,
          claimLeaseSeconds: 180,
        },
      ),
      ingest: z._default(
        z.strictObject({
          rateMinutes: count(15, 1, 1440),
          timeoutMs: count(10_000, 100, 60_000),
          maxBytes: count(5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
          maxRedirects: count(5, 0, 10),
        }),
        { rateMinutes: 15, timeoutMs: 10_000, maxBytes: 5 * 1024 * 1024, maxRedirects: 5 },
      ),
      api: z._default(
        z.strictObject({
          /** Requests per client per minute; 0 turns the limit off (benchmarks). */
          rateLimitPerMinute: count(30, 0),
          confirmationWindowMinutes: count(10, 1),
          confirmationTtlDays: count(7, 1, 90),
          corsOrigins: z._default(z.array(httpUrl), []),
          domainName: z.optional(z.string()),
          certificateArn: z.optional(z.string()),
        }),
        {
          rateLimitPerMinute: 30,
          confirmationWindowMinutes: 10,
          confirmationTtlDays: 7,
          corsOrigins: [],
        },
      ),
      alarmEmail: z.optional(emailAddress),
      /**
       * The publication's wordmark atop every digest: a PNG or JPEG (mail clients do not show SVG)
       * stored at twice its display size; `width` and `height` are the display size in CSS pixels.
       * The sender's name is its alt text, and what a reader sees while images are off.
       */
      wordmark: z.optional(
        z.strictObject({
          url: httpUrl,
          width: whole(16, 552),
          height: whole(8, 160),
        }),
      ),
      editions: z.array(EditionConfigSchema).check(z.minLength(1)),
      sources: z._default(z.array(SourceConfigSchema), []),
    })
    .check(distinctIds);
  return { config: TidingsConfigSchema, edition: EditionConfigSchema, source: SourceConfigSchema };
}

type ConfigSchemas = ReturnType<typeof buildSchemas>;
let built: ConfigSchemas | undefined;

/**
 * The configuration's schemas (the whole configuration, one edition, one source), built on first
 * use and kept. A deployed function never builds them: it takes the configuration its bundle
 * ships as it is (lambda-environment.ts), so its cold start does not pay for them.
 */
export function configSchemas(): ConfigSchemas {
  built ??= buildSchemas();
  return built;
}

export type EditionConfig = z.infer<ConfigSchemas['edition']>;
export type SourceConfig = z.infer<ConfigSchemas['source']>;
export type TidingsConfig = z.infer<ConfigSchemas['config']>;

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
  const schema = configSchemas().config;
  const result = schema.safeParse(raw);
  if (result.success && !unfit) return result.data;
  const issue = unfit ?? result.error?.issues[0];
  const path = issue?.path ?? [];
  const key = [root, ...path].join('.');
  let reason = issue?.message ?? 'invalid';
  if (/received undefined/.test(reason)) reason = 'is required';
  if (issue?.code === 'unrecognized_keys' && issue.keys.length === 1) {
    const near = closestMatch(issue.keys[0] ?? '', keysAt(schema, path));
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
function keysAt(schema: z.ZodMiniType, path: readonly PropertyKey[]): string[] {
  const bare = (s: unknown): unknown =>
    s instanceof z.ZodMiniDefault || s instanceof z.ZodMiniOptional ? bare(s.def.innerType) : s;
  let at = bare(schema);
  for (const step of path) {
    if (at instanceof z.ZodMiniObject) at = bare(at.def.shape[String(step)]);
    else if (at instanceof z.ZodMiniArray) at = bare(at.def.element);
    else return [];
  }
  return at instanceof z.ZodMiniObject ? Object.keys(at.def.shape) : [];
}

/** The edition with that id, or undefined. */
export function findEdition(config: TidingsConfig, id: string): EditionConfig | undefined {
  return config.editions.find((edition) => edition.id === id);
}
