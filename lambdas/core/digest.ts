import { deriveDeck, joinNames, type StoredBrief } from './brief.js';
import type { EditionConfig, TidingsConfig } from './config.js';
import { isoWeekMonday } from './edition.js';
import { TidingsError } from './errors.js';
import { compareCodeUnits } from './order.js';
import { cleanParagraph, cleanSingleLine } from './text-rules.js';
import { DAY_NAMES, MONTH_NAMES, twelveHourClock } from './written-time.js';
import { wallClock } from './zone-clock.js';
import { knownZoneName, readerZoneName } from './zone-names.js';

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
  /** e.g. `dc-2026-11-30`, or `dc-2026-W49` for a weekly roundup. */
  issueId: string;
  /** YYYY-MM-DD, the edition's local date (a roundup: the day it is composed, its week's last). */
  localDate: string;
  /** `roundup`: the week's roundup, which says so in its subject and under its masthead. */
  kind?: 'roundup';
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
  /** What the render left out and why (an image that is not https on an https stage); for the log. */
  notes?: string[];
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
    // Short, the address last: the text part keeps it on one 72-column line for most addresses.
    receipt: `You get ${publication} because you subscribed as ${cleanSingleLine(recipient.email)}.`,
    unsubscribeUrl: recipient.unsubscribeUrl,
    unsubscribeLabel: 'Unsubscribe',
    preferencesUrl: recipient.preferencesUrl,
    preferencesLabel: 'Manage preferences',
  };
}

/** The subject of a test copy (`tidings digest --to`): the issue's, marked `[Test]`. */
export function testCopySubject(subject: string): string {
  return `[Test] ${subject}`;
}

/**
 * The slot values of a test copy: the recipient's links still work (so the copy is checked as
 * readers get it), but the footer says what it is instead of claiming they subscribed.
 */
export function testCopySlotValues(publication: string, recipient: RecipientLinks): SlotValues {
  return {
    ...recipientSlotValues(publication, recipient),
    receipt: `A test copy of ${publication} for ${cleanSingleLine(recipient.email)}, not sent to readers.`,
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
    receipt: `${sentence(`This is the web edition of ${links.publication}`)} Subscribe to get it by email.`,
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

type Orderable = Pick<StoredBrief, 'id' | 'topic' | 'updatedAt'> & { publishedAt?: string };

/** A brief's last change: its update, or its publication when a feed dated the update earlier. */
function changedAt(brief: Orderable): string {
  return brief.publishedAt && brief.publishedAt > brief.updatedAt ? brief.publishedAt : brief.updatedAt;
}

/** Newest first by last change, then by id: a daily issue's rank. */
function byRecency(a: Orderable, b: Orderable): number {
  return compareCodeUnits(changedAt(b), changedAt(a)) || compareCodeUnits(a.id, b.id);
}

/**
 * A weekly roundup's rank: the brief with the most signals first, then the most recent (last
 * change), then by id. The roundup's selection keeps the first `issueLimit` by it.
 */
export function byRoundupRank(a: Orderable & Pick<StoredBrief, 'signals'>, b: typeof a): number {
  return b.signals.length - a.signals.length || byRecency(a, b);
}

/** Groups ranked briefs by topic: the topic of the first-ranked brief first, each in rank order. */
function groupByTopic<T extends Orderable>(ranked: readonly T[]): T[] {
  const byTopic = new Map<string, T[]>();
  for (const brief of ranked) {
    const group = byTopic.get(brief.topic);
    if (group) group.push(brief);
    else byTopic.set(brief.topic, [brief]);
  }
  // Map iteration follows insertion, and topics were inserted in order of their first brief.
  return [...byTopic.values()].flat();
}

/**
 * Reading order: briefs grouped by topic, the topic with the freshest brief first, and within a
 * topic newest first. The lead story is thus the most recent one.
 */
export function orderBriefs<T extends Orderable>(briefs: readonly T[]): T[] {
  return groupByTopic([...briefs].sort(byRecency));
}

/**
 * A roundup's reading order: grouped by topic as a daily issue, ranked by {@link byRoundupRank},
 * so the lead is the week's brief with the most signals.
 */
export function orderRoundup<T extends Orderable & Pick<StoredBrief, 'signals'>>(briefs: readonly T[]): T[] {
  return groupByTopic([...briefs].sort(byRoundupRank));
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

/**
 * "Tidings D.C.: <lead headline>", one line, cut at a word boundary; a roundup's says so:
 * "Tidings D.C. weekly roundup: <lead headline>".
 */
export function digestSubject(
  publication: string,
  lead: Pick<StoredBrief, 'headline'> | undefined,
  kind?: 'roundup',
): string {
  const name = kind === 'roundup' ? `${publication} weekly roundup` : publication;
  const subject = lead ? `${name}: ${cleanSingleLine(lead.headline)}` : name;
  return truncate(cleanSingleLine(subject), SUBJECT_MAX);
}

/**
 * The hidden preview text an inbox shows after the subject, which already names the lead: a
 * teaser of the next briefs' headlines ("Also: A; B; C."). An issue of one brief has no others
 * to name, so its preview is the lead's dek, or its first news sentence.
 */
export function digestPreheader(briefs: readonly Pick<StoredBrief, 'headline' | 'dek' | 'news'>[]): string {
  const [lead, ...rest] = briefs;
  if (!lead) return '';
  if (rest.length === 0)
    return truncate(cleanSingleLine(lead.dek ?? firstSentence(lead.news[0] ?? '')), PREHEADER_MAX);
  const also: string[] = [];
  let length = 'Also: '.length;
  for (const brief of rest) {
    const headline = cleanSingleLine(brief.headline).replace(/[.!?…]+$/, '');
    // Whole headlines while they fit; the first that does not is cut at a word.
    also.push(headline);
    length += headline.length + 2;
    if (length >= PREHEADER_MAX) break;
  }
  return truncate(sentence(`Also: ${also.join('; ')}`), PREHEADER_MAX);
}

/** Ends text with a full stop unless it already ends a sentence: "Tidings D.C." stays as it is. */
export function sentence(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}

/**
 * "1 brief", "2 briefs", "1,204 readers": a count with its noun agreeing in number (`plural` for
 * irregular nouns). Whole numbers are grouped by hand, as `toLocaleString('en-US')` groups them,
 * without loading ICU's number formatting on a function's cold start.
 */
export function countOf(count: number, noun: string, plural = `${noun}s`): string {
  const written = Number.isSafeInteger(count)
    ? String(count).replace(/\B(?=(\d{3})+$)/g, ',')
    : count.toLocaleString('en-US');
  return `${written} ${count === 1 ? noun : plural}`;
}

/**
 * The footer's postal line, naming the publisher once: "Tidings Media, 100 Example Street, …"
 * stays as it is; an address without the sender's name gets it in front.
 */
export function postalLine(senderName: string, postalAddress: string): string {
  const sender = cleanSingleLine(senderName);
  const postal = cleanSingleLine(postalAddress);
  return postal.toLowerCase().startsWith(sender.toLowerCase()) ? postal : `${sender}, ${postal}`;
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

/**
 * Every brief image is drawn in one box: the column's width (552 px) at 16:9. Publishers upload
 * it at twice that (1104 × 621 px) so it is sharp on 2× screens; a mail client that honours only
 * the attributes (Outlook on Windows) gets the same box.
 */
export const IMAGE_BOX = { width: 552, height: 311 } as const;

export interface ImageView {
  url: string;
  alt: string;
  credit?: string;
  width: number;
  height: number;
}

export interface BriefView {
  id: string;
  /** The in-message anchor of the brief's headline: `b1`, `b2`, … in reading order. */
  anchor: string;
  headline: string;
  dek?: string;
  /** "Insights from …", derived from the signals' sources. */
  deck?: string;
  topic: string;
  region?: string;
  /** "politics · North America": the topic, then the region when there is one. */
  kicker: string;
  /** The news source the brief came from (a feed's configured name or title), when it has one. */
  source?: string;
  updated: boolean;
  /** When it was published, or updated when `updated`: "Nov 30, 2026, 8:01 AM EST". */
  time: string;
  /** `time`, prefixed with "Updated" when `updated`. */
  timeLabel: string;
  url?: string;
  image?: ImageView;
  news: string[];
  signals: SignalView[];
}

/** A topic's briefs after the lead, under one section heading. */
export interface SectionView {
  topic: string;
  briefs: BriefView[];
}

export interface NavItem {
  name: string;
  url: string;
  current: boolean;
}

/** The publication's wordmark in the masthead; `alt` is the sender's name, also its text fallback. */
export interface WordmarkView {
  url: string;
  alt: string;
  width: number;
  height: number;
}

/** Everything the templates read. All strings are plain text; the template engine escapes them. */
export interface DigestView {
  publication: string;
  senderName: string;
  editionName: string;
  /** The masthead's image, when configured (`wordmark` in the configuration). */
  wordmark?: WordmarkView;
  /** "Monday, November 30, 2026". */
  dateLabel: string;
  issueId: string;
  subject: string;
  preheader: string;
  baseUrl: string;
  /** The web version: `{baseUrl}/issues/<issueId>`. */
  webUrl: string;
  postalAddress: string;
  /** The footer's line naming the publisher once, with its postal address. */
  postalLine: string;
  nav: NavItem[];
  /** Every brief in reading order: the lead, then the sections' briefs. */
  briefs: BriefView[];
  /** "12 briefs". */
  countLabel: string;
  /** The first brief, set apart at the top. */
  lead: BriefView;
  /** The other briefs, grouped under their topics in reading order. */
  sections: SectionView[];
  /** What was left out and why, for the log; never shown to readers. */
  notes: string[];
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
  return `${DAY_NAMES[date.getUTCDay()]}, ${dayMonth(date)}, ${date.getUTCFullYear()}`;
}

/** "November 30" of a date's UTC calendar day. */
function dayMonth(date: Date): string {
  return `${MONTH_NAMES[date.getUTCMonth()]} ${date.getUTCDate()}`;
}

/**
 * "Weekly roundup, November 30 – December 5, 2026": a roundup's line under the masthead, from the
 * Monday of its ISO week to the day it was composed (`localDate`); the year is named once, or
 * twice when the week spans two.
 */
export function weekLabel(localDate: string): string {
  writtenDate(localDate); // refuses what is not a date, as a daily issue's label does
  const monday = new Date(`${isoWeekMonday(localDate)}T12:00:00Z`);
  const last = new Date(`${localDate}T12:00:00Z`);
  const from = dayMonth(monday);
  const to = dayMonth(last);
  const range =
    monday.getUTCFullYear() === last.getUTCFullYear()
      ? from === to
        ? `${to}, ${last.getUTCFullYear()}`
        : `${from} – ${to}, ${last.getUTCFullYear()}`
      : `${from}, ${monday.getUTCFullYear()} – ${to}, ${last.getUTCFullYear()}`;
  return `Weekly roundup, ${range}`;
}

/**
 * "Nov 30, 2026, 8:01 AM EST" in the edition's time zone, with the zone's name as its readers
 * say it ("CET", "WAT", "SGT"), not Intl's offset ("GMT+1"). Written by hand where the zone's name
 * is known at that offset (`knownZoneName`), through Intl otherwise; the same either way (tested).
 */
export function briefTime(instant: string, timeZone: string): string {
  const at = new Date(instant);
  const clock = wallClock(at, timeZone);
  const zoneName = knownZoneName(timeZone, clock.offsetMinutes);
  if (zoneName === undefined) return intlBriefTime(at, timeZone);
  const month = MONTH_NAMES[clock.month - 1]?.slice(0, 3);
  return `${month} ${clock.day}, ${clock.year}, ${twelveHourClock(clock.hour, clock.minute)} ${zoneName}`;
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** `briefTime` through Intl: any zone, its short name mapped by `readerZoneName`. */
export function intlBriefTime(at: Date, timeZone: string): string {
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
  return (
    format
      .formatToParts(at)
      .map((part) => (part.type === 'timeZoneName' ? readerZoneName(timeZone, part.value) : part.value))
      .join('')
      // Intl puts a narrow no-break space before AM/PM; a plain space reads the same everywhere.
      .replace(/\u202f/g, ' ')
  );
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

/**
 * The brief's image, or undefined with a note saying why it was left out: a link that is not
 * absolute http(s), or plain http on a stage served over https (mail clients block such images
 * or flag the message as insecure, and the web version would be mixed content).
 */
function imageView(brief: DigestBrief, httpsOnly: boolean, notes: string[]): ImageView | undefined {
  if (!brief.image) return undefined;
  const url = safeUrl(brief.image.url);
  if (!url) {
    notes.push(`brief ${brief.id}: image left out: its URL is not an absolute http(s) URL`);
    return undefined;
  }
  if (httpsOnly && !/^https:/i.test(url)) {
    notes.push(`brief ${brief.id}: image ${url} left out: not https on a stage whose baseUrl is https`);
    return undefined;
  }
  const view: ImageView = { url, alt: inert(cleanSingleLine(brief.image.alt)), ...IMAGE_BOX };
  if (brief.image.credit) view.credit = inert(cleanSingleLine(brief.image.credit));
  return view;
}

function briefView(
  brief: DigestBrief,
  index: number,
  edition: EditionConfig,
  httpsOnly: boolean,
  notes: string[],
): BriefView {
  const deck = deriveDeck(brief);
  const time = briefTime(brief.updated ? brief.updatedAt : brief.publishedAt, edition.timeZone);
  const topic = inert(brief.topic);
  const region = brief.region ? inert(cleanSingleLine(brief.region)) : undefined;
  const view: BriefView = {
    id: brief.id,
    anchor: `b${index + 1}`,
    headline: inert(cleanSingleLine(brief.headline)),
    topic,
    kicker: region ? `${topic} · ${region}` : topic,
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
  if (region) view.region = region;
  if (brief.source?.name) view.source = inert(cleanSingleLine(brief.source.name));
  const url = safeUrl(brief.url);
  if (url) view.url = url;
  const image = imageView(brief, httpsOnly, notes);
  if (image) view.image = image;
  return view;
}

/** The briefs after the lead under their topics; {@link orderBriefs} already keeps a topic together. */
function sectionsOf(briefs: readonly BriefView[]): SectionView[] {
  const sections: SectionView[] = [];
  for (const brief of briefs) {
    const last = sections.at(-1);
    if (last && last.topic === brief.topic) last.briefs.push(brief);
    else sections.push({ topic: brief.topic, briefs: [brief] });
  }
  return sections;
}

/**
 * Builds the view model of an issue. `slots` defaults to the markers (render once); a full
 * per-recipient render passes that recipient's values instead.
 */
export function buildDigestView(input: DigestInput, slots: SlotValues = SLOT_MARKERS): DigestView {
  if (input.briefs.length === 0) throw new DigestInputError(`issue ${input.issueId} has no briefs`);
  const ordered = input.kind === 'roundup' ? orderRoundup(input.briefs) : orderBriefs(input.briefs);
  const publication = publicationName(input.config, input.edition);
  const base = baseUrl(input.config);
  const httpsOnly = /^https:/i.test(base);
  const notes: string[] = [];
  const briefs = ordered.map((b, i) => briefView(b, i, input.edition, httpsOnly, notes));
  const [lead, ...rest] = briefs as [BriefView, ...BriefView[]];
  const senderName = cleanSingleLine(input.config.sender.name);
  const view: DigestView = {
    publication,
    senderName,
    editionName: cleanSingleLine(input.edition.name),
    dateLabel: input.kind === 'roundup' ? weekLabel(input.localDate) : writtenDate(input.localDate),
    issueId: input.issueId,
    subject: digestSubject(publication, ordered[0], input.kind),
    preheader: inert(digestPreheader(ordered)),
    baseUrl: base,
    webUrl: `${base}/issues/${encodeURIComponent(input.issueId)}`,
    postalAddress: cleanSingleLine(input.config.postalAddress),
    postalLine: postalLine(senderName, input.config.postalAddress),
    nav: input.config.editions.map((e) => ({
      name: cleanSingleLine(e.name),
      url: `${base}/issues?edition=${encodeURIComponent(e.id)}`,
      current: e.id === input.edition.id,
    })),
    briefs,
    countLabel: countOf(briefs.length, 'brief'),
    lead,
    sections: sectionsOf(rest),
    notes,
    slots,
  };
  const wordmark = input.config.wordmark;
  if (wordmark && safeUrl(wordmark.url) && !(httpsOnly && !/^https:/i.test(wordmark.url))) {
    view.wordmark = { url: wordmark.url, alt: senderName, width: wordmark.width, height: wordmark.height };
  } else if (wordmark) {
    notes.push(`wordmark ${wordmark.url} left out: not https on a stage whose baseUrl is https`);
  }
  return view;
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

function briefText(brief: BriefView, out: string[]): void {
  out.push(...wrapText(brief.kicker.toUpperCase()));
  out.push(...wrapText(brief.headline.toUpperCase()));
  if (brief.dek) out.push(...wrapText(brief.dek));
  if (brief.deck) out.push(...wrapText(brief.deck));
  out.push(...wrapText(brief.source ? `${brief.timeLabel} · ${brief.source}` : brief.timeLabel), '');
  out.push('THE NEWS', '');
  for (const p of brief.news) out.push(...wrapText(p), '');
  if (brief.signals.length > 0) {
    out.push('SIGNALS', '');
    for (const signal of brief.signals) {
      out.push(...wrapText(`* ${signal.headline}`));
      out.push(
        ...wrapText(`${signal.sourcesLabel}: ${signal.sources.map(sourceText).join(', ')}`, TEXT_WIDTH, '  '),
      );
      for (const p of signal.paragraphs) out.push(...wrapText(p, TEXT_WIDTH, '  '));
      out.push('');
    }
  }
  if (brief.image?.credit) out.push(...wrapText(`Image: ${brief.image.credit}`), '');
  if (brief.url) out.push(...wrapText(`Read more: ${brief.url}`), '');
}

/**
 * The plain-text part: reads well alone, no markup, wrapped at 72 columns. A link longer than
 * the width keeps a line of its own; slot values are spliced in per reader and never wrapped, so
 * the receipt is kept short and every link stays whole.
 */
export function digestText(view: DigestView): string {
  const rule = '_'.repeat(TEXT_WIDTH);
  const thin = '-'.repeat(TEXT_WIDTH);
  const out: string[] = [
    ...wrapText(view.publication.toUpperCase()),
    view.dateLabel,
    '',
    view.slots.greeting,
    '',
    `IN THIS ISSUE (${view.countLabel.toUpperCase()})`,
    '',
  ];
  view.briefs.forEach((brief, index) => {
    const number = `${index + 1}.`.padEnd(4);
    const [first, ...more] = wrapText(brief.headline, TEXT_WIDTH - 4);
    out.push(`${number}${first ?? ''}`, ...more.map((line) => `    ${line}`));
  });
  out.push('', ...wrapText(`Read it in your browser: ${view.webUrl}`), '', rule, '');
  briefText(view.lead, out);
  for (const section of view.sections) {
    out.push(rule, '', section.topic.toUpperCase(), '');
    section.briefs.forEach((brief, index) => {
      if (index > 0) out.push(thin, '');
      briefText(brief, out);
    });
  }
  out.push(rule, '');
  out.push(view.slots.receipt, '');
  // A reader's link is longer than the width; its label stays with it, as mail clients expect.
  out.push(`${view.slots.unsubscribeLabel}: ${view.slots.unsubscribeUrl}`);
  out.push(`${view.slots.preferencesLabel}: ${view.slots.preferencesUrl}`);
  out.push(...wrapText(`Read it in your browser: ${view.webUrl}`));
  out.push('', ...wrapText(view.postalLine));
  return `${out.join('\n')}\n`;
}
