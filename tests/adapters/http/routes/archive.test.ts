import { describe, expect, it } from 'vitest';
import type { IssueArchive } from '../../../../lambdas/adapters/http/issue-archive.js';
import { setup } from '../support/app.js';

describe('issue archive', () => {
  const archive: IssueArchive = {
    async listSent(edition) {
      return edition === 'dc'
        ? [{ issueId: 'dc-2026-11-30', edition: 'dc', localDate: '2026-11-30', subject: 'Budget <talks>' }]
        : [];
    },
    async get(issueId) {
      return issueId === 'dc-2026-11-30'
        ? {
            issueId,
            edition: 'dc',
            localDate: '2026-11-30',
            subject: 'Budget',
            html: '<html><body style="color:red">Issue</body></html>',
          }
        : undefined;
    },
  };

  it('lists sent issues of an edition, escaping their subjects', async () => {
    const { app } = setup({ issues: archive });
    const response = await app.request('/issues?edition=dc');
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('href="/issues/dc-2026-11-30"');
    expect(html).toContain('Budget &lt;talks&gt;');
    expect((await app.request('/issues?edition=atlantis')).status).toBe(404);
  });

  it('serves the web version with inline styles allowed but no scripts, and 404 for anything else', async () => {
    const { app } = setup({ issues: archive });
    const response = await app.request('/issues/dc-2026-11-30');
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("style-src 'unsafe-inline'");
    expect(csp).not.toContain('script');
    expect((await app.request('/issues/dc-1999-01-01')).status).toBe(404);
    expect((await app.request('/issues/..%2F..%2Fetc%2Fpasswd')).status).toBe(404);
  });
});
