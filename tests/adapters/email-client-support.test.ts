import { parseHTML } from 'linkedom';
import { beforeAll, describe, expect, it } from 'vitest';
import { TemplateConfirmationEmail } from '../../lambdas/adapters/confirmation-email.js';
import { DigestRenderer } from '../../lambdas/adapters/digest-renderer.js';
import { TemplateWelcomeEmail } from '../../lambdas/adapters/welcome-email.js';
import {
  fillSlots,
  publicHtml,
  publicLinks,
  recipientSlotValues,
  testCopySlotValues,
} from '../../lambdas/core/digest.js';
import { digestInput, recipient, twelveBriefs } from '../support/digest-fixture.js';
import {
  ALLOWED_FEATURES,
  clientSupportProblems,
  describeProblems,
  stockMjmlBaseline,
} from '../support/email-client-support.js';

/** Every email Tidings sends, by name: the digest (12 briefs and 1), its test copy, its web version, the confirmation, the welcome. */
async function everyEmail(): Promise<Record<string, string>> {
  const renderer = await DigestRenderer.create();
  const twelve = digestInput();
  const one = digestInput(twelveBriefs().slice(0, 1));
  const reader = recipient('ana@example.com', 'Ana');
  const full = await renderer.render(twelve);
  const single = await renderer.render(one);
  const publication = full.publication ?? '';
  return {
    'digest, 12 briefs': fillSlots(full.html, recipientSlotValues(publication, reader), 'html'),
    'digest, 1 brief': fillSlots(single.html, recipientSlotValues(publication, reader), 'html'),
    'digest test copy': fillSlots(full.html, testCopySlotValues(publication, reader), 'html'),
    'web version': publicHtml(full, publicLinks(twelve.config, twelve.edition)),
    confirmation: new TemplateConfirmationEmail(twelve.config).content({
      to: 'ana@example.com',
      name: 'Ana',
      editions: twelve.config.editions.slice(0, 2),
      confirmUrl: 'http://127.0.0.1:3000/confirm?token=abc',
      expiresAt: new Date('2026-12-07T10:00:00Z'),
    }).html,
    welcome: new TemplateWelcomeEmail(twelve.config).content({
      to: 'ana@example.com',
      name: 'Ana',
      rhythm: 'daily',
      editions: [
        {
          id: 'dc',
          publication: 'Tidings D.C.',
          arrives: 'every day at 6:30 AM EST',
          latest: { url: 'http://127.0.0.1:3000/issues/dc-2026-11-29', subject: 'S', date: 'D' },
          welcomeText: 'Hello.',
        },
      ],
      preferencesUrl: 'http://127.0.0.1:3000/preferences?token=p',
      unsubscribeUrl: 'http://127.0.0.1:3000/unsubscribe?token=u',
    }).html,
  };
}

describe('mail-client support (caniemail) beyond stock MJML', () => {
  let emails: Record<string, string>;
  beforeAll(async () => {
    emails = await everyEmail();
  });

  it('computes the baseline from a stock MJML document', async () => {
    const stock = await stockMjmlBaseline();
    // MJML's own Outlook tables and Gmail workarounds: present, and not ours to fix.
    expect(stock.size).toBeGreaterThan(0);
  });

  it.each([
    'digest, 12 briefs',
    'digest, 1 brief',
    'digest test copy',
    'web version',
    'confirmation',
    'welcome',
  ])('finds no support problem in the %s beyond the baseline', async (name) => {
    expect(describeProblems(await clientSupportProblems(emails[name] ?? ''))).toEqual([]);
  });

  it('fails on a planted problem, naming the feature, the clients and the element', async () => {
    const planted = (emails['digest, 12 briefs'] ?? '').replace(
      '</body>',
      '<div style="overflow-wrap:anywhere">x</div></body>',
    );
    const lines = describeProblems(await clientSupportProblems(planted));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^overflow-wrap \(unsupported in .*gmail\.desktop-webmail.*\)/);
    expect(lines[0]).toContain('<div style="overflow-wrap:anywhere">');
  });

  describe('the allowed progressive enhancements', () => {
    it('are each used by the digest (the list is not stale) and nothing else is allowed', async () => {
      const strict = await clientSupportProblems(emails['digest, 12 briefs'] ?? '', { strict: true });
      expect(strict.map((p) => p.feature).sort()).toEqual(Object.keys(ALLOWED_FEATURES).sort());
    });

    it('in-message anchors: without them "In this issue" still names every headline, in reading order', () => {
      const { document } = parseHTML(emails['digest, 12 briefs'] ?? '');
      const listed = [...document.querySelectorAll('.toc a')].map((a) => a.textContent);
      const headlines = [...document.querySelectorAll('.hl, .h')].map((h) => h.textContent);
      expect(listed).toEqual(headlines);
      expect(listed).toHaveLength(12);
      // Each link is only a jump: the list's text does not depend on the target existing.
      for (const a of document.querySelectorAll('.toc a')) {
        expect(document.getElementById((a.getAttribute('href') ?? '').slice(1))?.textContent).toBe(
          a.textContent,
        );
      }
    });

    it('Outlook dark-mode rules: they change only colours, so a client that ignores them keeps the light palette', () => {
      const { document } = parseHTML(emails['digest, 12 briefs'] ?? '');
      const css = [...document.querySelectorAll('style')].map((s) => s.textContent ?? '').join('\n');
      const rules = [...css.matchAll(/([^{}]*\[data-og[^{}]*)\{([^}]*)\}/g)];
      expect(rules.length).toBeGreaterThan(0);
      for (const [, , body] of rules) {
        const properties = (body ?? '')
          .split(';')
          .map((d) => d.split(':')[0]?.trim())
          .filter(Boolean);
        for (const property of properties) expect(['color', 'background']).toContain(property);
      }
    });
  });
});
