import { isPublished, latestPublished } from '../../core/archive.js';
import { findEdition, type TidingsConfig } from '../../core/config.js';
import { escapeHtml, publicationName, publicHtml, publicLinks, truncate } from '../../core/digest.js';
import { parseIssueId } from '../../core/edition.js';
import type { Issue } from '../../core/issue.js';
import type { IssueStore } from '../../core/ports.js';
import { cleanSingleLine } from '../../core/text-rules.js';
import { feedUrl } from './atom-feed.js';

export interface ArchiveEntry {
  issueId: string;
  edition: string;
  localDate: string;
  subject: string;
  /** When it was published: approved (a held issue), else composed. An ISO instant. */
  updated?: string;
  /** What it carried, from public data only: its headlines, else its preheader. */
  summary?: string;
}

export interface ArchivedIssue extends ArchiveEntry {
  /** The web version: every reader slot filled with neutral values, no reader's data. */
  html: string;
}

/** What the web pages need of the issue archive: sent issues only. */
export interface IssueArchive {
  listSent(edition: string, limit: number): Promise<ArchiveEntry[]>;
  get(issueId: string): Promise<ArchivedIssue | undefined>;
}

/** An issue's archive entry: public fields only. */
function entryOf(issue: Issue): ArchiveEntry {
  const headlines = issue.briefs.map((b) => cleanSingleLine(b.headline)).filter((h) => h !== '');
  const summary = headlines.length > 0 ? `In this issue: ${headlines.join('; ')}` : issue.preheader;
  return {
    issueId: issue.id,
    edition: issue.edition,
    localDate: issue.localDate,
    subject: issue.subject ?? issue.id,
    updated: issue.approvedAt ?? issue.createdAt,
    ...(summary ? { summary: truncate(summary, 600) } : {}),
  };
}

/**
 * Names the edition's Atom feed in the web version's head, where feed readers look for it: the
 * web version is the email's HTML, so the link goes in before its first `</head>`.
 */
function withFeedLink(html: string, title: string, href: string): string {
  const link = `<link rel="alternate" type="application/atom+xml" title="${escapeHtml(title)}" href="${escapeHtml(href)}">`;
  const head = html.search(/<\/head>/i);
  return head < 0 ? html : `${html.slice(0, head)}${link}\n${html.slice(head)}`;
}

/** The archive over the delivery side's issue store; published issues only (core/archive.ts). */
export function issueArchive(
  store: Pick<IssueStore, 'get' | 'listByEdition'>,
  config: TidingsConfig,
): IssueArchive {
  return {
    async listSent(edition, limit) {
      if (!findEdition(config, edition)) return [];
      return (await latestPublished(store, edition, limit)).map(entryOf);
    },
    async get(issueId) {
      const parsed = parseIssueId(issueId);
      const edition = parsed && findEdition(config, parsed.edition);
      if (!edition) return undefined;
      const issue = await store.get(issueId);
      if (!issue?.html || !isPublished(issue)) return undefined;
      const html = publicHtml({ html: issue.html }, publicLinks(config, edition));
      return {
        ...entryOf(issue),
        html: withFeedLink(html, `${publicationName(config, edition)} (Atom)`, feedUrl(config, edition.id)),
      };
    },
  };
}
