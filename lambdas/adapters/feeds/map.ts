import { createHash } from 'node:crypto';
import { HttpUrl } from '../../core/brief.js';
import type { SourceConfig } from '../../core/config.js';
import type { BriefCandidate, ItemRejection } from '../../core/ingest.js';
import type { FeedItem, Markup, ParsedFeed, SourceDocument } from './parse.js';
import { cleanLine, htmlToLine, htmlToParagraphs, textToParagraphs, truncateText } from './text.js';

/**
 * The Tidings source adapter: a parsed document becomes brief candidates. Tidings briefs JSON
 * passes through as written. A feed item becomes a news-only brief: its title the headline, its
 * summary (else its content) reduced to a few plain paragraphs as "The News", the feed the
 * source, the item's page the brief's link. Nothing is invented: an item without a title or any
 * text, or with an unreadable date, is rejected with the reason.
 */

/** At most this many paragraphs of a feed item become "The News"; a digest is a summary. */
export const MAX_NEWS_PARAGRAPHS = 6;
/** Each paragraph is cut at a word boundary beyond this many characters. */
export const MAX_PARAGRAPH_CHARS = 1200;
/** Bump when the mapping changes, so conditional fetches do not hide items mapped the old way. */
export const MAPPING_VERSION = 1;

export interface MappedDocument {
  candidates: BriefCandidate[];
  rejected: ItemRejection[];
  title?: string;
}

/**
 * A stable brief id for a feed item: the source id and a hash of the item's identity, which is
 * its guid/id, else its link, else its title and date, else its text.
 */
export function feedItemId(sourceId: string, item: FeedItem, text: string): string {
  const identity = item.id
    ? `id:${item.id}`
    : item.link
      ? `link:${item.link}`
      : item.title
        ? `title:${item.title}|${item.published ?? item.updated ?? ''}`
        : `text:${text}`;
  const hash = createHash('sha256').update(`${sourceId}\n${identity}`).digest('hex').slice(0, 24);
  return `${sourceId}:${hash}`;
}

/** Only http(s) links of a length the brief accepts are kept; others are dropped, not rejected. */
function isHttp(url: string | null | undefined): url is string {
  return HttpUrl.safeParse(url).success;
}

function paragraphs(markup: Markup | undefined): string[] {
  if (!markup) return [];
  return markup.kind === 'html' ? htmlToParagraphs(markup.value) : textToParagraphs(markup.value);
}

function headline(item: FeedItem): string | undefined {
  if (!item.title) return undefined;
  const line = item.titleIsHtml ? htmlToLine(item.title) : cleanLine(item.title);
  return line ? truncateText(line, 300) : undefined;
}

function mapItem(item: FeedItem, source: SourceConfig): BriefCandidate | ItemRejection {
  const at = (field: string, reason: string): ItemRejection => ({ position: item.position, field, reason });
  const dateError = item.dateErrors[0];
  if (dateError) {
    const field = dateError.field === 'published' ? 'publishedAt' : 'updatedAt';
    return at(field, `unreadable date "${dateError.raw}" (neither RFC 822 nor ISO 8601)`);
  }
  const title = headline(item);
  if (!title) return at('headline', 'the item has no title');
  let news = paragraphs(item.summary);
  if (news.length === 0) news = paragraphs(item.content);
  if (news.length === 0) return at('news', 'the item has no text (no description, summary or content)');
  news = news.slice(0, MAX_NEWS_PARAGRAPHS).map((p) => truncateText(p, MAX_PARAGRAPH_CHARS));

  const published = item.published ?? item.updated;
  const updated = item.updated ?? item.published;
  const input: Record<string, unknown> = {
    id: feedItemId(source.id, item, news.join('\n')),
    headline: title,
    news,
    signals: [],
  };
  if (published && updated) {
    input.publishedAt = published;
    // Some feeds stamp an entry as updated before it was published; the later date is the truth.
    input.updatedAt = [published, updated].sort()[1];
  }
  if (isHttp(item.link)) input.url = item.link;
  if (isHttp(item.image)) input.image = { url: item.image, alt: title };
  if (!source.topic) input.topic = 'news';
  const candidate: BriefCandidate = { position: item.position, input, feedItem: true };
  if (!published) candidate.undated = true;
  return candidate;
}

function mapFeed(feed: ParsedFeed, source: SourceConfig): MappedDocument {
  const candidates: BriefCandidate[] = [];
  const rejected: ItemRejection[] = [];
  for (const item of feed.items) {
    const mapped = mapItem(item, source);
    if ('input' in mapped) candidates.push(mapped);
    else rejected.push(mapped);
  }
  const title = feed.title ? truncateText(cleanLine(feed.title), 120) || undefined : undefined;
  return title ? { candidates, rejected, title } : { candidates, rejected };
}

function mapTidings(briefs: unknown[]): MappedDocument {
  const candidates: BriefCandidate[] = [];
  const rejected: ItemRejection[] = [];
  briefs.forEach((raw, index) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      rejected.push({ position: index + 1, field: '(item)', reason: 'is not a JSON object' });
    } else {
      candidates.push({ position: index + 1, input: raw as Record<string, unknown> });
    }
  });
  return { candidates, rejected };
}

/** Maps a parsed source document to brief candidates and per-item rejections. */
export function mapDocument(document: SourceDocument, source: SourceConfig): MappedDocument {
  return document.format === 'tidings' ? mapTidings(document.briefs) : mapFeed(document, source);
}
