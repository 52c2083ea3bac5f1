import { findEdition, type TidingsConfig } from '../../core/config.js';
import { publicHtml, publicLinks } from '../../core/digest.js';
import { parseIssueId } from '../../core/edition.js';
import type { IssueState } from '../../core/issue.js';
import type { IssueStore } from '../../core/ports.js';

export interface ArchiveEntry {
  issueId: string;
  edition: string;
  localDate: string;
  subject: string;
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

/** Issues that went out (or are going out); held, skipped and cancelled issues are not published. */
const PUBLISHED: readonly IssueState[] = ['sending', 'sent'];

/** The archive over the delivery side's issue store. */
export function issueArchive(
  store: Pick<IssueStore, 'get' | 'listByEdition'>,
  config: TidingsConfig,
): IssueArchive {
  return {
    async listSent(edition, limit) {
      if (!findEdition(config, edition)) return [];
      // Held or skipped issues are filtered out after reading, so read a little more than asked.
      const issues = await store.listByEdition(edition, { limit: limit * 2 });
      return issues
        .filter((issue) => PUBLISHED.includes(issue.state) && issue.htmlBytes !== undefined)
        .slice(0, limit)
        .map((issue) => ({
          issueId: issue.id,
          edition: issue.edition,
          localDate: issue.localDate,
          subject: issue.subject ?? issue.id,
        }));
    },
    async get(issueId) {
      const parsed = parseIssueId(issueId);
      const edition = parsed && findEdition(config, parsed.edition);
      if (!edition) return undefined;
      const issue = await store.get(issueId);
      if (!issue?.html || !PUBLISHED.includes(issue.state)) return undefined;
      return {
        issueId: issue.id,
        edition: issue.edition,
        localDate: issue.localDate,
        subject: issue.subject ?? issue.id,
        html: publicHtml({ html: issue.html }, publicLinks(config, edition)),
      };
    },
  };
}
