import { describe, expect, it } from 'vitest';
import { issueArchive } from '../../../lambdas/adapters/http/issue-archive.js';
import { SLOT_MARKERS } from '../../../lambdas/core/digest.js';
import type { Issue, IssueState } from '../../../lambdas/core/issue.js';
import { smallConfig } from '../../support/subscriptions-harness.js';

function issue(id: string, state: IssueState): Issue {
  const [edition = 'dc', ...date] = id.split('-');
  return {
    id,
    edition,
    localDate: date.join('-'),
    state,
    cutoff: '2026-11-30T06:00:00.000Z',
    briefIds: [],
    briefs: [],
    subject: `Subject of ${id}`,
    html: `<p>${SLOT_MARKERS.greeting}</p><a href="${SLOT_MARKERS.unsubscribeUrl}">${SLOT_MARKERS.unsubscribeLabel}</a><p>${SLOT_MARKERS.receipt}</p>`,
    text: 'text',
    htmlBytes: 160,
    counts: { enqueued: 0, fanouts: 0 },
    createdAt: '2026-11-30T06:00:00.000Z',
    updatedAt: '2026-11-30T06:00:00.000Z',
  };
}

const issues = [
  issue('dc-2026-11-30', 'sent'),
  issue('dc-2026-11-29', 'held'),
  issue('dc-2026-11-28', 'sending'),
  issue('dc-2026-11-27', 'skipped'),
  issue('dc-2026-11-26', 'cancelled'),
];
const store = {
  async get(id: string) {
    return issues.find((i) => i.id === id);
  },
  async listByEdition(edition: string, options: { limit?: number } = {}) {
    // As the port says: listings carry the record, not the rendering.
    return issues
      .filter((i) => i.edition === edition)
      .slice(0, options.limit ?? 20)
      .map(({ html: _html, text: _text, ...record }) => record);
  },
};

describe('issueArchive', () => {
  const archive = issueArchive(store, smallConfig());

  it('lists only issues that went out, newest first', async () => {
    expect((await archive.listSent('dc', 10)).map((e) => e.issueId)).toEqual([
      'dc-2026-11-30',
      'dc-2026-11-28',
    ]);
    expect(await archive.listSent('atlantis', 10)).toEqual([]);
  });

  it('serves the web version with neutral links in every reader slot', async () => {
    const web = await archive.get('dc-2026-11-30');
    expect(web?.html).not.toContain('%%TIDINGS_SLOT');
    expect(web?.html).not.toContain('unsubscribe?token');
    expect(web?.html).toContain('href="https://news.example.org/"');
    expect(await archive.get('dc-2026-11-29')).toBeUndefined();
    expect(await archive.get('../../etc')).toBeUndefined();
    expect(await archive.get('atlantis-2026-11-30')).toBeUndefined();
  });
});
