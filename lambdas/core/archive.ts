import type { Issue, IssueState } from './issue.js';
import { compareCodeUnits } from './order.js';
import type { IssueStore } from './ports.js';

/**
 * Which issues are public: those that went out (or are going out) with a rendering. Held,
 * skipped and cancelled issues are not published. The archive pages, its Atom feed and the
 * welcome email's "latest issue" links all ask this one rule.
 */
export const PUBLISHED_STATES: readonly IssueState[] = ['sending', 'sent'];

/** Whether an issue record (with or without its rendered parts) is published. */
export function isPublished(issue: Pick<Issue, 'state' | 'htmlBytes'>): boolean {
  return PUBLISHED_STATES.includes(issue.state) && issue.htmlBytes !== undefined;
}

/**
 * An edition's latest published issues, newest first (by local date, then by when each was
 * composed: a roundup and a daily issue can share a date), at most `limit`. Listings carry the
 * records without their rendered `html` and `text`.
 */
export async function latestPublished(
  store: Pick<IssueStore, 'listByEdition'>,
  edition: string,
  limit: number,
): Promise<Issue[]> {
  // Held or skipped issues are filtered out after reading, so read a little more than asked.
  const issues = await store.listByEdition(edition, { limit: limit * 2 });
  return issues
    .filter(isPublished)
    .sort((a, b) => compareCodeUnits(b.localDate, a.localDate) || compareCodeUnits(b.createdAt, a.createdAt))
    .slice(0, limit);
}
