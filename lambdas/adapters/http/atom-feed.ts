import type { EditionConfig, TidingsConfig } from '../../core/config.js';
import { publicationName, publicLinks } from '../../core/digest.js';
import type { ArchiveEntry } from './issue-archive.js';

/**
 * The archive's Atom feed (RFC 4287): an edition's latest sent issues, newest first, each entry
 * linking to the web version. Everything in it is public already (subjects, dates, the
 * headlines an issue carried); no reader's data reaches it. Text is escaped for XML, and
 * characters XML 1.0 cannot carry at all (most control characters) are dropped.
 */

export const ATOM_CONTENT_TYPE = 'application/atom+xml; charset=utf-8';

/** Entries in a feed: the latest 50 sent issues. */
export const FEED_ENTRIES = 50;

/** `/issues/<edition>.atom`, the feed's path. */
export function feedPath(editionId: string): string {
  return `/issues/${encodeURIComponent(editionId)}.atom`;
}

/** The feed's absolute URL on the configured public base. */
export function feedUrl(config: Pick<TidingsConfig, 'baseUrl'>, editionId: string): string {
  return `${config.baseUrl.replace(/\/+$/, '')}${feedPath(editionId)}`;
}

// Characters XML 1.0 does not allow (https://www.w3.org/TR/xml/#charsets), lone surrogates included
// (the ranges written as a string, as text-rules.ts writes its own, to keep the linter's rule).
const XML_REFUSED = '\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\ufffe\\uffff';
const LONE_SURROGATE = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';
const NOT_XML = new RegExp(`[${XML_REFUSED}]|${LONE_SURROGATE}`, 'g');
const XML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Text or an attribute value as XML: escaped, and without characters XML cannot carry. */
export function xmlText(value: string): string {
  return value.replace(NOT_XML, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}

/** When an entry was published, as RFC 3339 (Atom's dates); without a time, its local date at midnight UTC. */
function atomDate(entry: ArchiveEntry): string {
  return new Date(entry.updated ?? `${entry.localDate}T00:00:00Z`).toISOString();
}

function entryXml(base: string, entry: ArchiveEntry): string {
  const url = `${base}/issues/${encodeURIComponent(entry.issueId)}`;
  return [
    '  <entry>',
    `    <id>${xmlText(url)}</id>`,
    `    <title type="text">${xmlText(entry.subject)}</title>`,
    `    <updated>${atomDate(entry)}</updated>`,
    `    <published>${atomDate(entry)}</published>`,
    `    <link rel="alternate" type="text/html" href="${xmlText(url)}"/>`,
    ...(entry.summary ? [`    <summary type="text">${xmlText(entry.summary)}</summary>`] : []),
    '  </entry>',
  ].join('\n');
}

/**
 * The feed document. `entries` come newest first; the feed's `updated` is the newest entry's, or
 * `now` while the edition has sent nothing.
 */
export function atomFeed(
  config: TidingsConfig,
  edition: EditionConfig,
  entries: readonly ArchiveEntry[],
  now: Date,
): string {
  const base = config.baseUrl.replace(/\/+$/, '');
  const self = feedUrl(config, edition.id);
  const updated = entries[0] ? atomDate(entries[0]) : now.toISOString();
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">',
    `  <id>${xmlText(self)}</id>`,
    `  <title type="text">${xmlText(publicationName(config, edition))}</title>`,
    ...(edition.description ? [`  <subtitle type="text">${xmlText(edition.description)}</subtitle>`] : []),
    `  <updated>${updated}</updated>`,
    `  <author><name>${xmlText(config.sender.name)}</name></author>`,
    `  <link rel="self" type="application/atom+xml" href="${xmlText(self)}"/>`,
    `  <link rel="alternate" type="text/html" href="${xmlText(publicLinks(config, edition).archiveUrl)}"/>`,
    ...entries.map((entry) => entryXml(base, entry)),
    '</feed>',
    '',
  ].join('\n');
}
