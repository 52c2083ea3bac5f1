import { readFile } from 'node:fs/promises';
import { parseHTML } from 'linkedom';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { HeaderValueError } from '../../lambdas/adapters/header-values.js';
import { fillWelcomeHtml, TemplateWelcomeEmail } from '../../lambdas/adapters/welcome-email.js';
import type { WelcomeMessage } from '../../lambdas/core/welcome.js';
import { buildTemplates } from '../../scripts/build-templates.js';
import { digestConfig } from '../support/digest-fixture.js';

const config = digestConfig();
const message: WelcomeMessage = {
  to: 'ana@example.com',
  name: 'Ana',
  rhythm: 'weekdays',
  timeZone: 'Europe/Paris',
  editions: [
    {
      id: 'dc',
      publication: 'Tidings D.C.',
      arrives: 'Monday to Friday at 12:30 PM CET (6:30 AM EST in D.C.)',
      latest: {
        url: 'http://127.0.0.1:3000/issues/dc-2026-11-29',
        subject: 'Tidings D.C.: The budget deal',
        date: 'Sunday, November 29, 2026',
      },
      welcomeText: 'The capital in five minutes, every morning.',
    },
    { id: 'sg', publication: 'Tidings SG', arrives: 'Monday to Friday at 12:30 AM CET (7:30 AM SGT in SG)' },
  ],
  preferencesUrl: 'http://127.0.0.1:3000/preferences?token=k1.pref.mac',
  unsubscribeUrl: 'http://127.0.0.1:3000/unsubscribe?token=k1.unsub.mac',
};

describe('welcome email', () => {
  it('is compiled from the committed MJML: its compiled files are built and not stale', async () => {
    const { files } = await buildTemplates();
    for (const path of ['templates/compiled/welcome.html', 'templates/compiled/welcome.ts']) {
      const committed = await readFile(new URL(`../../${path}`, import.meta.url), 'utf8');
      expect(committed, `${path} is stale: run npm run build:templates`).toBe(files[path]);
    }
  });

  it('does not import MJML at run time', async () => {
    const source = await readFile(
      new URL('../../lambdas/adapters/welcome-email.ts', import.meta.url),
      'utf8',
    );
    expect(source).not.toMatch(/from ['"]mjml/);
  });

  it('says what the reader chose, when each edition arrives, its latest issue and its own text', async () => {
    const sent = await new TemplateWelcomeEmail(config).compose(message);
    expect(sent).toMatchObject({ to: 'ana@example.com', from: config.sender.address, folder: 'welcome' });
    const mail = await simpleParser(Buffer.from(sent.raw));
    expect(mail.subject).toBe('Welcome to Tidings D.C. and Tidings SG');
    const { document } = parseHTML(String(mail.html));
    const text = (document.body.textContent ?? '').replace(/\s+/g, ' ');
    expect(text).toContain('Hello Ana,');
    expect(text).toContain(
      'You chose Tidings D.C. and Tidings SG, the weekday issues (Monday to Friday), times shown in your zone, Europe/Paris.',
    );
    expect(text).toContain('Arrives Monday to Friday at 12:30 PM CET (6:30 AM EST in D.C.).');
    expect(text).toContain('Latest issue: Tidings D.C.: The budget deal (Sunday, November 29, 2026).');
    expect(text).toContain('No issue has gone out yet: your first will be the next one.');
    expect(text).toContain('The capital in five minutes, every morning.');
    expect(text).toContain(config.postalAddress);
    const links = [...document.querySelectorAll('a')].map((a) => a.getAttribute('href'));
    expect(links).toContain('http://127.0.0.1:3000/issues/dc-2026-11-29');
    expect(links).toContain(message.unsubscribeUrl);
    expect(links.filter((href) => href === message.preferencesUrl)).toHaveLength(2);
    expect(String(mail.html)).not.toContain('%%TIDINGS_WELCOME_');
    expect(mail.text).toContain(message.unsubscribeUrl);
    expect(mail.text).toContain('http://127.0.0.1:3000/issues/dc-2026-11-29');
    expect(mail.text).not.toMatch(/<\/?[a-z][^>]*>/i);
  });

  it('carries the one-click List-Unsubscribe headers, with the mailto: address when there is one', async () => {
    const email = new TemplateWelcomeEmail(config);
    const several = await simpleParser(Buffer.from((await email.compose(message)).raw));
    expect(several.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    );
    expect(several.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toBe(
      `List-Unsubscribe: <${message.unsubscribeUrl}>`,
    );
    const mailto = 'mailto:unsubscribe+dc.abcdefghijklmnop@tidings.example';
    const one = await simpleParser(
      Buffer.from((await email.compose({ ...message, unsubscribeMailto: mailto })).raw),
    );
    expect(one.headerLines.find((h) => h.key === 'list-unsubscribe')?.line.replace(/\r\n\s+/g, ' ')).toBe(
      `List-Unsubscribe: <${message.unsubscribeUrl}>, <${mailto}>`,
    );
  });

  it('keeps hostile names, subjects and welcome texts as text', () => {
    const hostile = '<script>alert(1)</script> %%TIDINGS_WELCOME_UNSUBSCRIBE%% <a href="x">';
    const [dc] = message.editions;
    if (!dc?.latest) throw new Error('fixture');
    const { html } = new TemplateWelcomeEmail(config).content({
      ...message,
      name: hostile,
      editions: [{ ...dc, welcomeText: hostile, latest: { ...dc.latest, subject: hostile } }],
    });
    const { document } = parseHTML(html);
    expect(document.querySelectorAll('script')).toHaveLength(0);
    expect([...document.querySelectorAll('a')].map((a) => a.getAttribute('href'))).not.toContain('x');
    expect(document.body.textContent).toContain(`Hello ${hostile},`);
  });

  it('refuses links that are not http(s) or break a header line', () => {
    const email = new TemplateWelcomeEmail(config);
    expect(() => email.content({ ...message, unsubscribeUrl: 'javascript:alert(1)' })).toThrow(
      HeaderValueError,
    );
    expect(() => email.content({ ...message, preferencesUrl: 'https://x.example/\r\nBcc: y' })).toThrow(
      HeaderValueError,
    );
  });

  it('escapes every value but the editions block, which is built from escaped values', () => {
    const values = {
      SUBJECT: 's',
      PREHEADER: 'p',
      SENDER: 'A & B',
      HEADING: 'h',
      GREETING: 'g',
      CHOICES: 'c',
      EDITIONS: '<div>kept</div>',
      EMAIL: 'm',
      PREFERENCES: 'https://x.example/?a=1&b="2"',
      UNSUBSCRIBE: 'u',
      POSTAL: 'p',
    };
    expect(
      fillWelcomeHtml(
        values,
        '<a href="%%TIDINGS_WELCOME_PREFERENCES%%">%%TIDINGS_WELCOME_SENDER%%</a>%%TIDINGS_WELCOME_EDITIONS%%',
      ),
    ).toBe('<a href="https://x.example/?a=1&amp;b=&#34;2&#34;">A &amp; B</a><div>kept</div>');
  });
});
