import { deriveDeck, joinNames, type StoredBrief } from './brief.js';
import type { EditionConfig, TidingsConfig } from './config.js';
import { TidingsError } from './errors.js';
import { cleanParagraph, cleanSingleLine } from './text-rules.js';

/**
 * What a digest says, independent of how it is drawn: the order of the briefs, the subject, the
 * preheader, the view model the templates fill, and the plain-text part.
 *
 * Per-recipient values (greeting, the "why you get this" line, unsubscribe and preference links)
 * are not known when an issue is rendered. The templates carry *slots* for them instead: marker
 * strings such as `%%TIDINGS_SLOT_UNSUBSCRIBE_URL%%` that survive Liquid escaping, MJML and
 * quoted-printable encoding unchanged, so the HTML is compiled once per issue and each recipient's
 * values are spliced in afterwards (see `lambdas/adapters/mime.ts`). The web version fills the same
 * slots with neutral values ({@link publicHtml}).
 */

/** A brief selected for an issue. */
export interface DigestBrief extends StoredBrief {
  /** Changed after an earlier issue carried it. */
  updated: boolean;
}

export interface DigestInput {
  /** baseUrl, sender, postalAddress, editions (for the nav). */
  config: TidingsConfig;
  edition: EditionConfig;
  /** e.g. `dc-2026-11-30`. */
  issueId: string;
  /** YYYY-MM-DD, the edition's local date. */
  localDate: string;
  /** Already selected; {@link orderBriefs} puts them in reading order. */
  briefs: DigestBrief[];
}

export interface RenderedDigest {
  subject: string;
  preheader: string;
  /** Contains the slot markers of {@link SLOT_NAMES}. */
  html: string;
  /** Plain-text part, with the same slot markers. */
  text: string;
  /** Size of the html in bytes with every slot empty. */
  htmlBytes: number;
  /** "Tidings D.C.": the sender's name and the edition's, used in the per-recipient lines. */
  publication?: string;
}

export interface RecipientLinks {
  email: string;
  name?: string;
  /** https://…/unsubscribe?token=… (the one-click POST target too). */
  unsubscribeUrl: string;
  /** https://…/preferences?token=… */
  preferencesUrl: string;
  /** mailto:unsubscribe+…@domain */
  unsubscribeMailto: string;
}

/** A digest that cannot be rendered from its input (no briefs, an unknown edition). */
export class DigestInputError extends TidingsError {
  override readonly name = 'DigestInputError';
  override readonly kind = 'invalid-input';
}

// ---------------------------------------------------------------- slots

export const SLOT_NAMES = [
  'greeting',
  'receipt',
  'unsubscribeUrl',
  'unsubscribeLabel',
  'preferencesUrl',
  'preferencesLabel',
] as const;
export type SlotName = (typeof SLOT_NAMES)[number];
export type SlotValues = Record<SlotName, string>;

const MARKER_PREFIX = '%%TIDINGS_SLOT_';

function markerFor(name: SlotName): string {
  return `${MARKER_PREFIX}${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}%%`;
}

/** The marker string of each slot, e.g. `%%TIDINGS_SLOT_UNSUBSCRIBE_URL%%`. */
export const SLOT_MARKERS: Readonly<SlotValues> = Object.freeze(
  Object.fromEntries(SLOT_NAMES.map((name) => [name, markerFor(name)])) as SlotValues,
);

const MARKER_TO_SLOT = new Map<string, SlotName>(SLOT_NAMES.map((name) => [SLOT_MARKERS[name], name]));

/** Matches any slot marker; the capture is the marker itself. */
export const SLOT_PATTERN = /%%TIDINGS_SLOT_[A-Z_]+%%/g;

/** The slot a marker stands for, or undefined. */
export function slotOfMarker(marker: string): SlotName | undefined {
  return MARKER_TO_SLOT.get(marker);
}

/**
 * Brief text is data and must never be able to forge a slot: a zero-width non-joiner breaks any
 * marker-looking run in it. Nothing a reader sees changes.
 */
function inert(text: string): string {
  return text.includes('%%TIDINGS') ? text.replaceAll('%%TIDINGS', '%%\u200cTIDINGS') : text;
}

/** Cuts text to at most `max` characters at a word boundary, adding an ellipsis when cut. */
export function truncate(value: string, max: number): string {
  const chars = [...value];
  if (chars.length <= max) return value;
  const cut = chars.slice(0, max - 1).join('');
  const space = cut.lastIndexOf(' ');
  const base = space > max * 0.6 ? cut.slice(0, space) : cut;
  return `${base.replace(/[\s,;:.–—-]+$/, '')}…`;
}

/** The name as it may appear in a greeting: one line, at most 80 characters; undefined when empty. */
export function displayName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const clean = truncate(cleanSingleLine(name), 80);
  return clean === '' ? undefined : clean;
}

/** The values a recipient's copy carries in its slots (unescaped). */
export function recipientSlotValues(publication: string, recipient: RecipientLinks): SlotValues {
  const name = displayName(recipient.name);
  return {
    greeting: name ? `Good morning, ${name}.` : 'Good morning.',
    receipt: `You're receiving this because you subscribed to ${publication} at ${cleanSingleLine(recipient.email)}.`,
    unsubscribeUrl: recipient.unsubscribeUrl,
    unsubscribeLabel: 'Unsubscribe',
    preferencesUrl: recipient.preferencesUrl,
    preferencesLabel: 'Manage preferences',
  };
}

/** Neutral links for the web version of an issue, which belongs to no reader. */
export interface PublicLinks {
  /** "Tidings D.C." */
  publication: string;
  /** The sign-up page, `baseUrl + '/'`. */
  subscribeUrl: string;
  /** The edition's archive, `baseUrl + '/issues?edition=E'`. */
  archiveUrl: string;
}

/** The {@link PublicLinks} of an edition under the configured base URL. */
export function publicLinks(config: TidingsConfig, edition: EditionConfig): PublicLinks {
  return {
    publication: publicationName(config, edition),
    subscribeUrl: `${baseUrl(config)}/`,
    archiveUrl: `${baseUrl(config)}/issues?edition=${encodeURIComponent(edition.id)}`,
  };
}

/** The values the web version carries in its slots: a sign-up link where the unsubscribe link was. */
export function publicSlotValues(links: PublicLinks): SlotValues {
  return {
    greeting: 'Good morning.',
    receipt: `This is the web edition of ${links.publication}. Subscribe to get it by email.`,
    unsubscribeUrl: links.subscribeUrl,
    unsubscribeLabel: 'Subscribe',
    preferencesUrl: links.archiveUrl,
    preferencesLabel: 'Past issues',
  };
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&#34;',
  "'": '&#39;',
};

/** Escapes text for HTML text and quoted attributes; the same mapping as Liquid's `escape` filter. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * Replaces every slot marker in one pass (a value that looks like a marker is not expanded
 * again). `context: 'html'` escapes values for HTML text and attributes.
 */
export function fillSlots(source: string, values: SlotValues, context: 'html' | 'text'): string {
  return source.replace(SLOT_PATTERN, (marker) => {
    const slot = slotOfMarker(marker);
    if (!slot) return marker;
    return context === 'html' ? escapeHtml(values[slot]) : values[slot];
  });
}

/**
 * The web version of an issue (`GET /issues/<issue-id>`): the issue's HTML with every slot filled
 * with a neutral value, so no reader's data or links appear.
 */
export function publicHtml(digest: Pick<RenderedDigest, 'html'>, links: PublicLinks): string {
  return fillSlots(digest.html, publicSlotValues(links), 'html');
}

// ---------------------------------------------------------------- order, subject, preheader

/**
 * Reading order: briefs grouped by topic, the topic with the freshest brief first, and within a
 * topic newest first. The lead story is thus the most recent one.
 */
export function orderBriefs<
  T extends Pick<StoredBrief, 'id' | 'topic' | 'updatedAt'> & { publishedAt?: string },
>(briefs: readonly T[]): T[] {
  // A brief's last change: its update, or its publication when a feed dated the update earlier.
  const changed = (b: T): string =>
    b.publishedAt && b.publishedAt > b.updatedAt ? b.publishedAt : b.updatedAt;
  const newest = (a: T, b: T): number => changed(b).localeCompare(changed(a)) || a.id.localeCompare(b.id);
  const byTopic = new Map<string, T[]>();
  for (const brief of [...briefs].sort(newest)) {
    const group = byTopic.get(brief.topic);
    if (group) group.push(brief);
    else byTopic.set(brief.topic, [brief]);
  }
  // Map iteration follows insertion, and topics were inserted in order of their newest brief.
  return [...byTopic.values()].flat();
}

export function publicationName(
  config: Pick<TidingsConfig, 'sender'>,
  edition: Pick<EditionConfig, 'name'>,
): string {
  return cleanSingleLine(`${config.sender.name} ${edition.name}`);
}

/** "Tidings D.C. and Tidings SG": the publications a confirmation or footer names. */
export function joinEditionNames(
  senderName: string,
  editions: readonly Pick<EditionConfig, 'name'>[],
): string {
  return joinNames(editions.map((e) => cleanSingleLine(`${senderName} ${e.name}`)));
}

const SUBJECT_MAX = 110;
const PREHEADER_MAX = 140;

/** "Tidings D.C.: <lead headline>", one line, cut at a word boundary. */
export function digestSubject(publication: string, lead: Pick<StoredBrief, 'headline'> | undefined): string {
  const subject = lead ? `${publication}: ${cleanSingleLine(lead.headline)}` : publication;
  return truncate(cleanSingleLine(subject), SUBJECT_MAX);
}

/** The hidden preview text: the lead's dek (or first news sentence), then the next headlines. */
export function digestPreheader(briefs: readonly Pick<StoredBrief, 'headline' | 'dek' | 'news'>[]): string {
  const [lead, ...rest] = briefs;
  if (!lead) return '';
  const opening = cleanSingleLine(lead.dek ?? firstSentence(lead.news[0] ?? ''));
  const also = rest.slice(0, 2).map((b) => cleanSingleLine(b.headline));
  const sentence = /[.!?…]$/.test(opening) ? opening : `${opening}.`;
  const text = also.length > 0 ? `${sentence} Also: ${also.join('; ')}.` : opening;
  return truncate(text, PREHEADER_MAX);
}

function firstSentence(paragraph: string): string {
  const match = /^.+?[.!?](?=\s|$)/.exec(paragraph.trim());
  return match ? match[0] : paragraph;
}

// ---------------------------------------------------------------- view model

export interface SourceView {
  name: string;
  url?: string;
}

export interface SignalView {
  headline: string;
  /** "Source" or "Sources". */
  sourcesLabel: string;
  sources: SourceView[];
  paragraphs: string[];
}

export interface BriefView {
  id: string;
  headline: string;
  dek?: string;
  /** "Insights from …", derived from the signals' sources. */
  deck?: string;
  topic: string;
  region?: string;
  updated: boolean;
  /** When it was published, or updated when `updated`: "Nov 30, 2026, 8:01 AM EST". */
  time: string;
  /** `time`, prefixed with "Updated" when `updated`. */
  timeLabel: string;
  url?: string;
  image?: { url: string; alt: string; credit?: string };
  news: string[];
  signals: SignalView[];
}

export interface NavItem {
  name: string;
  url: string;
  current: boolean;
}

/** Everything the templates read. All strings are plain text; the template engine escapes them. */
export interface DigestView {
  publication: string;
  senderName: string;
  editionName: string;
  /** "Monday, November 30, 2026". */
  dateLabel: string;
  issueId: string;
  subject: string;
  preheader: string;
  baseUrl: string;
  /** The web version: `{baseUrl}/issues/<issueId>`. */
  webUrl: string;
  postalAddress: string;
  nav: NavItem[];
  briefs: BriefView[];
  /** Markers (render once) or a recipient's values (a full per-recipient render). */
  slots: SlotValues;
}

function baseUrl(config: Pick<TidingsConfig, 'baseUrl'>): string {
  return config.baseUrl.replace(/\/+$/, '');
}

/** "Monday, November 30, 2026" for a YYYY-MM-DD local date. */
export function writtenDate(localDate: string): string {
  const date = new Date(`${localDate}T12:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(localDate) || Number.isNaN(date.getTime())) {
    throw new DigestInputError(`"${localDate}" is not a YYYY-MM-DD date`);
  }
  return new Intl.DateTimeFormat('en-US', {
    timeZone: 'UTC',
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  }).format(date);
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** "Nov 30, 2026, 8:01 AM EST" in the edition's time zone. */
export function briefTime(instant: string, timeZone: string): string {
  let format = timeFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      month: 'short',
      day: 'numeric',
      year: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      timeZoneName: 'short',
    });
    timeFormats.set(timeZone, format);
  }
  // Intl puts a narrow no-break space before AM/PM; a plain space reads the same everywhere.
  return format.format(new Date(instant)).replace(/\u202f/g, ' ');
}

/** Only absolute http(s) links reach the templates (the brief schema already insists; this is the last guard). */
function safeUrl(url: string | undefined): string | undefined {
  return url !== undefined && /^https?:\/\/[^\s"'<>]+$/i.test(url) ? url : undefined;
}

/** Splits a paragraph field on blank lines; single line breaks become spaces. */
function paragraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => inert(cleanParagraph(p)))
    .filter((p) => p !== '');
}

function briefView(brief: DigestBrief, edition: EditionConfig): BriefView {
  const deck = deriveDeck(brief);
  const time = briefTime(brief.updated ? brief.updatedAt : brief.publishedAt, edition.timeZone);
  const view: BriefView = {
    id: brief.id,
    headline: inert(cleanSingleLine(brief.headline)),
    topic: inert(brief.topic),
    updated: brief.updated,
    time,
    timeLabel: brief.updated ? `Updated ${time}` : time,
    news: brief.news.flatMap(paragraphs),
    signals: brief.signals.map((signal) => ({
      headline: inert(cleanSingleLine(signal.headline)),
      sourcesLabel: signal.sources.length === 1 ? 'Source' : 'Sources',
      sources: signal.sources.map((s) => {
        const url = safeUrl(s.url);
        return url ? { name: inert(s.name), url } : { name: inert(s.name) };
      }),
      paragraphs: paragraphs(signal.body),
    })),
  };
  if (brief.dek) view.dek = inert(cleanSingleLine(brief.dek));
  if (deck) view.deck = inert(deck);
  if (brief.region) view.region = inert(brief.region);
  const url = safeUrl(brief.url);
  if (url) view.url = url;
  if (brief.image && safeUrl(brief.image.url)) {
    view.image = { url: brief.image.url, alt: inert(cleanSingleLine(brief.image.alt)) };
    if (brief.image.credit) view.image.credit = inert(cleanSingleLine(brief.image.credit));
  }
  return view;
}

/**
 * Builds the view model of an issue. `slots` defaults to the markers (render once); a full
 * per-recipient render passes that recipient's values instead.
 */
export function buildDigestView(input: DigestInput, slots: SlotValues = SLOT_MARKERS): DigestView {
  if (input.briefs.length === 0) throw new DigestInputError(`issue ${input.issueId} has no briefs`);
  const ordered = orderBriefs(input.briefs);
  const publication = publicationName(input.config, input.edition);
  const base = baseUrl(input.config);
  return {
    publication,
    senderName: cleanSingleLine(input.config.sender.name),
    editionName: cleanSingleLine(input.edition.name),
    dateLabel: writtenDate(input.localDate),
    issueId: input.issueId,
    subject: digestSubject(publication, ordered[0]),
    preheader: inert(digestPreheader(ordered)),
    baseUrl: base,
    webUrl: `${base}/issues/${encodeURIComponent(input.issueId)}`,
    postalAddress: cleanSingleLine(input.config.postalAddress),
    nav: input.config.editions.map((e) => ({
      name: cleanSingleLine(e.name),
      url: `${base}/issues?edition=${encodeURIComponent(e.id)}`,
      current: e.id === input.edition.id,
    })),
    briefs: ordered.map((b) => briefView(b, input.edition)),
    slots,
  };
}

// ---------------------------------------------------------------- plain text

const TEXT_WIDTH = 72;

/** Word-wraps one paragraph; words longer than the width (URLs) keep a line of their own. */
export function wrapText(text: string, width = TEXT_WIDTH, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter(Boolean)) {
    if (line === '') line = word;
    else if (indent.length + line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(indent + line);
      line = word;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

function sourceText(source: SourceView): string {
  return source.url ? `${source.name} (${source.url})` : source.name;
}

/**
 * The plain-text part: reads well alone, no markup. Lines carrying a slot are never wrapped, so a
 * recipient's long link stays whole.
 */
export function digestText(view: DigestView): string {
  const rule = '_'.repeat(TEXT_WIDTH);
  const thin = '-'.repeat(TEXT_WIDTH);
  const out: string[] = [
    `${view.publication.toUpperCase()}`,
    view.dateLabel,
    '',
    view.slots.greeting,
    '',
    ...wrapText(`In this issue: ${view.briefs.length} ${view.briefs.length === 1 ? 'brief' : 'briefs'}.`),
    `Read it in your browser: ${view.webUrl}`,
    '',
  ];
  view.briefs.forEach((brief, index) => {
    out.push(index === 0 ? rule : thin, '');
    out.push([brief.topic.toUpperCase(), brief.region].filter(Boolean).join(' | '));
    out.push(...wrapText(brief.headline.toUpperCase()));
    if (brief.dek) out.push(...wrapText(brief.dek));
    if (brief.deck) out.push(...wrapText(brief.deck));
    out.push(brief.timeLabel, '');
    out.push('THE NEWS', '');
    for (const p of brief.news) out.push(...wrapText(p), '');
    if (brief.signals.length > 0) {
      out.push('SIGNALS', '');
      for (const signal of brief.signals) {
        out.push(...wrapText(`* ${signal.headline}`));
        out.push(
          ...wrapText(
            `${signal.sourcesLabel}: ${signal.sources.map(sourceText).join(', ')}`,
            TEXT_WIDTH,
            '  ',
          ),
        );
        for (const p of signal.paragraphs) out.push(...wrapText(p, TEXT_WIDTH, '  '));
        out.push('');
      }
    }
    if (brief.image?.credit) out.push(`Image: ${brief.image.credit}`, '');
    if (brief.url) out.push(`Read more: ${brief.url}`, '');
  });
  out.push(rule, '');
  out.push(view.slots.receipt);
  out.push(`${view.slots.unsubscribeLabel}: ${view.slots.unsubscribeUrl}`);
  out.push(`${view.slots.preferencesLabel}: ${view.slots.preferencesUrl}`);
  out.push(`Read it in your browser: ${view.webUrl}`);
  out.push('', ...wrapText(`${view.senderName}, ${view.postalAddress}`));
  return `${out.join('\n')}\n`;
}
