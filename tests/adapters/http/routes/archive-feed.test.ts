import { describe, expect, it } from 'vitest';
import { type ParsedFeed, parseSourceDocument } from '../../../../lambdas/adapters/feeds/parse.js';
import { issueArchive } from '../../../../lambdas/adapters/http/issue-archive.js';
import { SLOT_MARKERS } from '../../../../lambdas/core/digest.js';
import type { Issue, IssueState } from '../../../../lambdas/core/issue.js';
import { MemoryIssueStore } from '../../../support/fakes/delivery.js';
import { setup } from '../support/app.js';

const BASE = 'https://news.example.org';

/** A published-looking issue of `dc` on day `n` after 2026-01-01 (its html carries the reader slots). */
function issue(id: string, state: IssueState, at: Date, overrides: Partial<Issue> = {}): Issue {
  return {
    id,
    edition: 'dc',
    localDate: at.toISOString().slice(0, 10),
    state,
    cutoff: at.toISOString(),
    briefIds: ['b1'],
    briefs: [
      {
        id: 'b1',
        headline: `Lead of ${id}`,
        publishedAt: at.toISOString(),
        updatedAt: at.toISOString(),
        updated: false,
      },
    ],
    subject: `Tidings D.C.: news of ${id}`,
    preheader: 'Also: more',
    html: `<html><head><title>x</title></head><body><p>${SLOT_MARKERS.greeting}</p><a href="${SLOT_MARKERS.unsubscribeUrl}">${SLOT_MARKERS.unsubscribeLabel}</a></body></html>`,
    text: 'text',
    htmlBytes: 200,
    counts: { enqueued: 3, fanouts: 1 },
    createdAt: at.toISOString(),
    updatedAt: at.toISOString(),
    ...overrides,
  };
}

async function archiveOf(issues: Issue[]) {
  const store = new MemoryIssueStore();
  for (const i of issues) await store.create(i);
  return issueArchive(store, setup().h.config);
}

/** Sixty days of sent dc issues (2026-01-01 …), a held and a skipped one among them. */
async function sixtyDays() {
  const issues: Issue[] = [];
  for (let n = 0; n < 60; n++) {
    const at = new Date(Date.UTC(2026, 0, 1 + n, 11, 30));
    const state: IssueState = n === 58 ? 'held' : n === 57 ? 'skipped' : 'sent';
    issues.push(issue(`dc-${at.toISOString().slice(0, 10)}`, state, at));
  }
  return archiveOf(issues);
}

async function feedOf(app: ReturnType<typeof setup>['app'], path = '/issues/dc.atom') {
  const response = await app.request(path);
  const body = await response.text();
  return {
    response,
    body,
    feed: parseSourceDocument(new TextEncoder().encode(body), { format: 'atom' }) as ParsedFeed,
  };
}

describe('the archive feed', () => {
  it('is an Atom feed of the latest 50 sent issues, newest first, each linking to its web version', async () => {
    const { app } = setup({ issues: await sixtyDays() });
    const { response, body, feed } = await feedOf(app);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(feed.format).toBe('atom');
    expect(feed.title).toBe('Tidings D.C.');
    expect(feed.link).toBe(`${BASE}/issues?edition=dc`);
    expect(feed.items).toHaveLength(50);
    const ids = feed.items.map((item) => item.link?.slice(`${BASE}/issues/`.length));
    expect(ids[0]).toBe('dc-2026-03-01');
    expect(ids).not.toContain('dc-2026-02-28'); // held
    expect(ids).not.toContain('dc-2026-02-27'); // skipped
    const dates = feed.items.map((item) => item.updated ?? '');
    expect(dates).toEqual([...dates].sort().reverse());
    expect(feed.items[0]).toMatchObject({
      id: `${BASE}/issues/dc-2026-03-01`,
      title: 'Tidings D.C.: news of dc-2026-03-01',
      updated: '2026-03-01T11:30:00.000Z',
      summary: { kind: 'text', value: 'In this issue: Lead of dc-2026-03-01' },
    });
    expect(body).toContain(`<link rel="self" type="application/atom+xml" href="${BASE}/issues/dc.atom"/>`);
    expect(body).toMatch(/<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom"[^>]*>\s*<id>[^<]+<\/id>/);
    expect(body).toContain('<updated>2026-03-01T11:30:00.000Z</updated>\n  <author>');
  });

  it('carries no reader data: no address, no token, no reader slot', async () => {
    const { app } = setup({ issues: await sixtyDays() });
    const { body } = await feedOf(app);
    expect(body).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}/);
    expect(body).not.toMatch(/token=|unsubscribe|preferences|%%TIDINGS/i);
  });

  it('escapes a hostile subject and headline, and drops what XML cannot carry', async () => {
    const hostile = 'A & B </title><entry><id>x</id></entry> "q" \'a\' <![CDATA[ ]]> \u0001\u0008 \ud800 end';
    const at = new Date('2026-11-30T11:30:00Z');
    const archive = await archiveOf([
      issue('dc-2026-11-30', 'sent', at, {
        subject: hostile,
        briefs: [{ id: 'b', headline: hostile, publishedAt: '', updatedAt: '', updated: false }],
      }),
    ]);
    const { app } = setup({ issues: archive });
    const { feed, body } = await feedOf(app);
    expect(feed.items).toHaveLength(1);
    const expected = 'A & B </title><entry><id>x</id></entry> "q" \'a\' <![CDATA[ ]]> end';
    expect(feed.items[0]?.title).toBe(expected);
    expect(feed.items[0]?.summary?.value).toMatch(
      /^In this issue: A & B <\/title><entry><id>x<\/id><\/entry> "q" 'a' <!\[CDATA\[ \]\]> +end$/,
    );
    expect(body).not.toContain('<entry><id>x');
  });

  it('lists roundups with the daily issues, and is empty but valid for an edition that sent nothing', async () => {
    const archive = await archiveOf([
      issue('dc-2026-12-04', 'sent', new Date('2026-12-04T11:30:00Z')),
      issue('dc-2026-W49', 'sent', new Date('2026-12-05T11:30:00Z'), {
        kind: 'roundup',
        localDate: '2026-12-05',
      }),
    ]);
    const { app, h } = setup({ issues: archive });
    const { feed } = await feedOf(app);
    expect(feed.items.map((i) => i.link)).toEqual([
      `${BASE}/issues/dc-2026-W49`,
      `${BASE}/issues/dc-2026-12-04`,
    ]);
    const empty = await feedOf(app, '/issues/sg.atom');
    expect(empty.response.status).toBe(200);
    expect(empty.feed.items).toEqual([]);
    expect(empty.body).toContain(`<updated>${h.clock.now().toISOString()}</updated>`);
  });

  it('answers 404 for an edition that does not exist, like the archive', async () => {
    const { app } = setup({ issues: await archiveOf([]) });
    expect((await app.request('/issues/atlantis.atom')).status).toBe(404);
    expect((await app.request('/issues/DC.atom')).status).toBe(404);
    expect((await app.request('/issues/.atom')).status).toBe(404);
  });

  it('is named by the archive page (head and a visible link) and by the web version of each issue', async () => {
    const { app } = setup({ issues: await sixtyDays() });
    const page = await (await app.request('/issues?edition=dc')).text();
    expect(page).toContain(
      '<link rel="alternate" type="application/atom+xml" title="Tidings D.C. (Atom)" href="/issues/dc.atom">',
    );
    expect(page).toMatch(/<a href="\/issues\/dc\.atom" type="application\/atom\+xml">[^<]+<\/a>/);
    const web = await (await app.request('/issues/dc-2026-03-01')).text();
    expect(web).toContain(
      `<link rel="alternate" type="application/atom+xml" title="Tidings D.C. (Atom)" href="${BASE}/issues/dc.atom">\n</head>`,
    );
  });
});
