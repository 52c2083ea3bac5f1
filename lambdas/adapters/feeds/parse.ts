import type { FeedFormat } from '../../core/config.js';
import { parseFeedDate } from './date.js';
import { decodeFeedBytes } from './decode.js';
import {
  childElements,
  FeedParseError,
  firstChild,
  innerXml,
  parseXml,
  textOf,
  XML_NS,
  type XmlElement,
} from './xml.js';

/**
 * Reads a source document (bytes in) into one neutral shape, whatever its format: Tidings
 * briefs JSON, JSON Feed 1.0/1.1, RSS 0.9x/2.0, RSS 1.0 (RDF) or Atom 1.0. Field choices follow
 * the feed conformance corpus (`tests/fixtures/feeds/README.md`): e.g. an RSS item's `updated`
 * is only ever an explicit modification date, never a copy of `pubDate`.
 */

export { FeedParseError } from './xml.js';

/** Text that is HTML (to be reduced to safe text) or already plain. */
export interface Markup {
  kind: 'html' | 'text';
  value: string;
}

export interface FeedItem {
  /** 1-based position in the document. */
  position: number;
  title: string | null;
  /** Whether the title is HTML (Atom `type="html"`) rather than plain text. */
  titleIsHtml: boolean;
  /** Absolute URL (any scheme; the mapper drops all but http(s)), or null. */
  link: string | null;
  id: string | null;
  /** UTC instants, or null when absent or unreadable. */
  published: string | null;
  updated: string | null;
  author: string | null;
  summary?: Markup;
  content?: Markup;
  image?: string;
  /** Dates present in the item but unreadable, with the raw text. */
  dateErrors: { field: 'published' | 'updated'; raw: string }[];
}

export interface ParsedFeed {
  format: Exclude<FeedFormat, 'tidings'>;
  version: string;
  title: string | null;
  link: string | null;
  items: FeedItem[];
}

export interface TidingsDocument {
  format: 'tidings';
  /** Raw brief inputs; validated by the ingest core, one by one. */
  briefs: unknown[];
}

export type SourceDocument = ParsedFeed | TidingsDocument;

export interface ParseOptions {
  /** The document's own URL: base of relative links when no `xml:base` applies. */
  url?: string | undefined;
  /** HTTP Content-Type, for its charset. */
  contentType?: string | undefined;
  /** Expected format; `auto` (default) detects it. */
  format?: FeedFormat | 'auto' | undefined;
}

/** Collapses whitespace runs and trims; the empty string becomes null. */
export function normalizeText(value: string | undefined | null): string | null {
  if (value === undefined || value === null) return null;
  const out = value.replace(/\s+/g, ' ').trim();
  return out === '' ? null : out;
}

function resolveLink(href: string | undefined | null, base: string | undefined): string | null {
  const trimmed = href?.trim();
  if (!trimmed) return null;
  try {
    return new URL(trimmed, base).href;
  } catch {
    return null;
  }
}

function dateField(
  raw: string | null,
  field: 'published' | 'updated',
  errors: FeedItem['dateErrors'],
): string | null {
  if (raw === null) return null;
  const parsed = parseFeedDate(raw);
  if (parsed === undefined) {
    errors.push({ field, raw: raw.slice(0, 80) });
    return null;
  }
  return parsed;
}

const HTML_PAGE = /^\s*(?:<!--[\s\S]*?-->\s*)*(?:<!doctype\s+html|<html[\s>])/i;

/**
 * Parses a source document. Throws {@link FeedParseError} with a one-line reason when the
 * document is not one of the supported formats, is not well-formed, or is an HTML page.
 */
export function parseSourceDocument(bytes: Uint8Array, options: ParseOptions = {}): SourceDocument {
  let decoded: ReturnType<typeof decodeFeedBytes>;
  try {
    decoded = decodeFeedBytes(bytes, { contentType: options.contentType });
  } catch (error) {
    throw new FeedParseError((error as Error).message, { cause: error });
  }
  const text = decoded.text;
  const head = text.slice(0, 2048).trimStart();
  if (head === '') throw new FeedParseError('the document is empty');
  const wanted = options.format ?? 'auto';
  let document: SourceDocument;
  if (head.startsWith('{') || head.startsWith('[')) {
    document = parseJsonDocument(text, options.url);
  } else if (HTML_PAGE.test(head)) {
    throw new FeedParseError('an HTML page, not a feed (is the URL the feed itself?)');
  } else if (head.startsWith('<')) {
    document = parseXmlFeed(parseXml(text, options.url));
  } else {
    throw new FeedParseError('neither XML nor JSON: the document does not start with "<", "{" or "["');
  }
  if (wanted !== 'auto' && document.format !== wanted) {
    throw new FeedParseError(`expected the ${wanted} format, but the document is ${document.format}`);
  }
  return document;
}

// ---------------------------------------------------------------- JSON: Tidings briefs and JSON Feed

function parseJsonDocument(text: string, url: string | undefined): SourceDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FeedParseError(`not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (Array.isArray(json)) return { format: 'tidings', briefs: json };
  if (typeof json !== 'object' || json === null) throw new FeedParseError('JSON document is not an object');
  const object = json as Record<string, unknown>;
  if (typeof object.version === 'string' && object.version.startsWith('https://jsonfeed.org/version/')) {
    return parseJsonFeed(object, url);
  }
  if ('briefs' in object) {
    if (object.version !== 1) {
      throw new FeedParseError(
        `unsupported Tidings briefs version ${JSON.stringify(object.version)}; expected 1`,
      );
    }
    if (!Array.isArray(object.briefs)) throw new FeedParseError('"briefs" must be an array');
    return { format: 'tidings', briefs: object.briefs };
  }
  throw new FeedParseError(
    'JSON that is neither Tidings briefs ({"version":1,"briefs":[…]}) nor a JSON Feed (version https://jsonfeed.org/version/1.x)',
  );
}

function str(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function jsonAuthor(value: unknown): string | null {
  if (Array.isArray(value)) {
    for (const entry of value) {
      const name = jsonAuthor(entry);
      if (name) return name;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null)
    return normalizeText(str((value as { name?: unknown }).name));
  return null;
}

function parseJsonFeed(feed: Record<string, unknown>, url: string | undefined): ParsedFeed {
  const items = feed.items;
  if (!Array.isArray(items)) throw new FeedParseError('JSON Feed without an "items" array');
  const base = url ?? str(feed.feed_url) ?? undefined;
  const feedAuthor = jsonAuthor(feed.authors) ?? jsonAuthor(feed.author);
  return {
    format: 'jsonfeed',
    version: String(feed.version).replace('https://jsonfeed.org/version/', ''),
    title: normalizeText(str(feed.title)),
    link: resolveLink(str(feed.home_page_url), base),
    items: items.map((raw, index): FeedItem => {
      const item = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
      const dateErrors: FeedItem['dateErrors'] = [];
      const html = str(item.content_html);
      const plain = str(item.content_text);
      const summary = str(item.summary);
      const image = resolveLink(str(item.image) ?? str(item.banner_image), base);
      return {
        position: index + 1,
        title: normalizeText(str(item.title)),
        titleIsHtml: false,
        link: resolveLink(str(item.url), base),
        id: normalizeText(str(item.id)),
        published: dateField(normalizeText(str(item.date_published)), 'published', dateErrors),
        updated: dateField(normalizeText(str(item.date_modified)), 'updated', dateErrors),
        author: jsonAuthor(item.authors) ?? jsonAuthor(item.author) ?? feedAuthor,
        ...(summary ? { summary: { kind: 'text' as const, value: summary } } : {}),
        ...(html
          ? { content: { kind: 'html' as const, value: html } }
          : plain
            ? { content: { kind: 'text' as const, value: plain } }
            : {}),
        ...(image ? { image } : {}),
        dateErrors,
      };
    }),
  };
}

// ---------------------------------------------------------------- XML feeds

function parseXmlFeed(root: XmlElement): ParsedFeed {
  if (root.local === 'rss') return parseRss(root);
  if (root.local === 'RDF' && root.ns === XML_NS.rdf) return parseRdf(root);
  if (root.local === 'feed') return parseAtom(root);
  if (root.local === 'html')
    throw new FeedParseError('an HTML page, not a feed (is the URL the feed itself?)');
  throw new FeedParseError(`not a feed: unknown root element <${root.name}>`);
}

const text = (element: XmlElement | undefined): string | null => normalizeText(textOf(element));

/** RSS author rules of the corpus: `email (Name)` gives Name; then dc:creator; then itunes:author. */
function rssAuthor(item: XmlElement, rss: readonly string[]): string | null {
  const author = text(firstChild(item, 'author', rss));
  if (author) {
    const named = /^\S+@\S+\s*\((.+)\)$/.exec(author);
    return named?.[1] ? normalizeText(named[1]) : author;
  }
  return text(firstChild(item, 'creator', XML_NS.dc)) ?? text(firstChild(item, 'author', XML_NS.itunes));
}

function mediaImage(item: XmlElement): string | undefined {
  const holders = [item, ...childElements(item, 'group', XML_NS.media)];
  for (const holder of holders) {
    const thumb = firstChild(holder, 'thumbnail', XML_NS.media);
    const url = resolveLink(thumb?.attrs.url, thumb?.base);
    if (url) return url;
    for (const content of childElements(holder, 'content', XML_NS.media)) {
      if (content.attrs.medium === 'image' || content.attrs.type?.startsWith('image/')) {
        const contentUrl = resolveLink(content.attrs.url, content.base);
        if (contentUrl) return contentUrl;
      }
    }
  }
  return undefined;
}

/** `media:description` (item or media:group) or `dc:description`: text when a feed offers nothing else. */
function fallbackSummary(item: XmlElement): Markup | undefined {
  for (const holder of [item, ...childElements(item, 'group', XML_NS.media)]) {
    const media = firstChild(holder, 'description', XML_NS.media);
    const value = textOf(media);
    if (value.trim()) return { kind: media?.attrs.type === 'html' ? 'html' : 'text', value };
  }
  const dc = textOf(firstChild(item, 'description', XML_NS.dc));
  return dc.trim() ? { kind: 'text', value: dc } : undefined;
}

function rssItem(
  item: XmlElement,
  position: number,
  rss: readonly string[],
  base: string | undefined,
): FeedItem {
  const dateErrors: FeedItem['dateErrors'] = [];
  const linkElement = firstChild(item, 'link', rss);
  const description = textOf(firstChild(item, 'description', rss));
  const encoded = textOf(firstChild(item, 'encoded', XML_NS.content));
  const summary: Markup | undefined = description.trim()
    ? { kind: 'html', value: description }
    : fallbackSummary(item);
  const enclosure = childElements(item, 'enclosure', rss).find((e) => e.attrs.type?.startsWith('image/'));
  const image = resolveLink(enclosure?.attrs.url, enclosure?.base ?? base) ?? mediaImage(item);
  const published = text(firstChild(item, 'pubDate', rss)) ?? text(firstChild(item, 'date', XML_NS.dc));
  const updated =
    text(firstChild(item, 'updated', XML_NS.atom)) ??
    text(firstChild(item, 'modified', XML_NS.dcterms)) ??
    text(firstChild(item, 'modified', XML_NS.dc));
  return {
    position,
    title: text(firstChild(item, 'title', rss)),
    titleIsHtml: false,
    link: resolveLink(textOf(linkElement), linkElement?.base ?? base),
    id: text(firstChild(item, 'guid', rss)),
    published: dateField(published, 'published', dateErrors),
    updated: dateField(updated, 'updated', dateErrors),
    author: rssAuthor(item, rss),
    ...(summary ? { summary } : {}),
    ...(encoded.trim() ? { content: { kind: 'html' as const, value: encoded } } : {}),
    ...(image ? { image } : {}),
    dateErrors,
  };
}

function parseRss(root: XmlElement): ParsedFeed {
  // A default namespace on <rss> (e.g. Userland's) puts every RSS element in it.
  const rss = [...new Set(['', root.ns])];
  const channel = firstChild(root, 'channel', rss);
  if (!channel) throw new FeedParseError('RSS document without a <channel>');
  // RSS 0.9x allowed items beside the channel as well as inside it.
  const items = [...childElements(channel, 'item', rss), ...childElements(root, 'item', rss)];
  const channelLink = firstChild(channel, 'link', rss);
  return {
    format: 'rss',
    version: root.attrs.version?.trim() || '2.0',
    title: text(firstChild(channel, 'title', rss)),
    link: resolveLink(textOf(channelLink), channelLink?.base),
    items: items.map((item, index) => rssItem(item, index + 1, rss, item.base)),
  };
}

function parseRdf(root: XmlElement): ParsedFeed {
  const rss = [XML_NS.rss1, XML_NS.rss090];
  const channel = firstChild(root, 'channel', rss);
  const channelLink = channel ? firstChild(channel, 'link', rss) : undefined;
  return {
    format: 'rdf',
    version: firstChild(root, 'channel', XML_NS.rss090) ? '0.90' : '1.0',
    title: channel ? text(firstChild(channel, 'title', rss)) : null,
    link: resolveLink(textOf(channelLink), channelLink?.base),
    items: childElements(root, 'item', rss).map((item, index) => {
      const parsed = rssItem(item, index + 1, rss, item.base);
      // RSS 1.0 has no guid; rdf:about is not an id (the corpus and its peers agree).
      return { ...parsed, id: null };
    }),
  };
}

function atomText(element: XmlElement | undefined): Markup | undefined {
  if (!element) return undefined;
  const type = (element.attrs.type ?? 'text').trim().toLowerCase();
  if (type === 'xhtml') {
    const div = firstChild(element, 'div', XML_NS.xhtml) ?? element;
    return { kind: 'html', value: innerXml(div) };
  }
  const value = textOf(element);
  if (!value.trim()) return undefined;
  return { kind: type === 'html' || type === 'text/html' ? 'html' : 'text', value };
}

function atomAuthor(holder: XmlElement | undefined, atom: readonly string[]): string | null {
  if (!holder) return null;
  for (const author of childElements(holder, 'author', atom)) {
    const name = text(firstChild(author, 'name', atom));
    if (name) return name;
  }
  return null;
}

function atomLink(entry: XmlElement, atom: readonly string[]): string | null {
  const links = childElements(entry, 'link', atom).filter((link) => {
    const rel = link.attrs.rel?.trim();
    return rel === undefined || rel === '' || rel === 'alternate';
  });
  const html = links.find((link) =>
    /^(text\/html|application\/xhtml\+xml)$/i.test(link.attrs.type?.trim() ?? ''),
  );
  const chosen = html ?? links[0];
  return resolveLink(chosen?.attrs.href, chosen?.base);
}

function parseAtom(root: XmlElement): ParsedFeed {
  const atom = [...new Set([XML_NS.atom, root.ns])];
  const feedAuthor = atomAuthor(root, atom);
  const feedLink = childElements(root, 'link', atom).find(
    (l) => (l.attrs.rel ?? 'alternate') === 'alternate',
  );
  return {
    format: 'atom',
    version: '1.0',
    title: text(firstChild(root, 'title', atom)),
    link: resolveLink(feedLink?.attrs.href, feedLink?.base),
    items: childElements(root, 'entry', atom).map((entry, index): FeedItem => {
      const dateErrors: FeedItem['dateErrors'] = [];
      const titleElement = firstChild(entry, 'title', atom);
      const summary = atomText(firstChild(entry, 'summary', atom)) ?? fallbackSummary(entry);
      const content = atomText(firstChild(entry, 'content', atom));
      const enclosure = childElements(entry, 'link', atom).find(
        (l) => l.attrs.rel === 'enclosure' && l.attrs.type?.startsWith('image/'),
      );
      const image = resolveLink(enclosure?.attrs.href, enclosure?.base) ?? mediaImage(entry);
      return {
        position: index + 1,
        title: text(titleElement),
        titleIsHtml: /^html$/i.test(titleElement?.attrs.type?.trim() ?? ''),
        link: atomLink(entry, atom),
        id: text(firstChild(entry, 'id', atom)),
        published: dateField(text(firstChild(entry, 'published', atom)), 'published', dateErrors),
        updated: dateField(text(firstChild(entry, 'updated', atom)), 'updated', dateErrors),
        author: atomAuthor(entry, atom) ?? atomAuthor(firstChild(entry, 'source', atom), atom) ?? feedAuthor,
        ...(summary ? { summary } : {}),
        ...(content ? { content } : {}),
        ...(image ? { image } : {}),
        dateErrors,
      };
    }),
  };
}
