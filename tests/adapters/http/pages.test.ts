import { describe, expect, it } from 'vitest';
import { defaultPagesDir, type PageName, PageRenderer } from '../../../lambdas/adapters/http/pages.js';
import { smallConfig } from '../../support/subscriptions-harness.js';

const hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>';

const pages: [PageName, Record<string, unknown>][] = [
  [
    'subscribe',
    { error: hostile, errorField: 'email', values: { email: hostile, name: hostile, editions: ['dc'] } },
  ],
  ['check-inbox', {}],
  ['confirm', { email: hostile, token: hostile, editionNames: hostile, alreadyConfirmed: false }],
  ['confirmed', { email: hostile, editionNames: hostile }],
  ['link-problem', { heading: hostile, message: hostile, offerNewLink: true, email: hostile, editions: [] }],
  [
    'unsubscribe',
    { email: hostile, token: hostile, editionName: hostile, remaining: ['sg'], remainingNames: hostile },
  ],
  ['unsubscribed', { email: hostile, editionName: hostile, remaining: [], remainingNames: '' }],
  ['preferences', { email: hostile, token: hostile, chosen: ['dc'], saved: hostile }],
  [
    'issues',
    {
      editionId: 'dc',
      editionName: hostile,
      issues: [{ issueId: 'dc-2026-11-30', localDate: '2026-11-30', subject: hostile }],
    },
  ],
  ['error', { heading: hostile, message: hostile }],
];

describe('PageRenderer', () => {
  const renderer = new PageRenderer(smallConfig());

  it.each(pages)(
    'renders %s accessibly, with every value escaped and no script but the time-zone one',
    async (name, data) => {
      const html = await renderer.render(name, { title: hostile, ...data });
      expect(html).toContain('<html lang="en">');
      expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      expect(html.match(/<h1[\s>]/g)).toHaveLength(1);
      const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      expect(scripts).toEqual(
        name === 'subscribe'
          ? [expect.stringMatching(/^<script src="\/assets\/time-zone\.js\?v=[0-9a-f]{12}" defer>$/)]
          : [],
      );
      expect(html).not.toMatch(/<script\b[^>]*>[^<]/);
      expect(html).not.toContain('<img');
      for (const id of html.matchAll(/<input id="([^"]+)"/g))
        expect(html).toContain(`<label for="${id[1]}">`);
    },
  );

  it('puts tokens into form actions URL-encoded', async () => {
    const html = await renderer.render('confirm', {
      email: 'a@example.com',
      token: 'k1.a b&c',
      editionNames: 'x',
    });
    expect(html).toContain('action="/confirm?token=k1.a+b%26c"');
  });

  it('finds its templates under TEMPLATES_DIR in a Lambda bundle, else in the checkout', () => {
    expect(defaultPagesDir({ TEMPLATES_DIR: '/var/task/templates' })).toBe('/var/task/templates/pages');
    expect(defaultPagesDir({})).toMatch(/templates\/pages\/?$/);
  });
});
