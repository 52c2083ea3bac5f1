import { readFile } from 'node:fs/promises';
import { parseHTML } from 'linkedom';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { describe, expect, it } from 'vitest';
import {
  composeReaderEmail,
  expiryLabel,
  fillConfirmationHtml,
  TemplateConfirmationEmail,
} from '../../lambdas/adapters/confirmation-email.js';
import { HeaderValueError } from '../../lambdas/adapters/header-values.js';
import type { ConfirmationMessage } from '../../lambdas/core/subscriptions/index.js';
import { buildTemplates } from '../../scripts/build-templates.js';
import { digestConfig } from '../support/digest-fixture.js';

const config = digestConfig();
const editions = config.editions.filter((e) => e.id === 'dc' || e.id === 'sg');
const message: ConfirmationMessage = {
  to: 'ana@example.com',
  name: 'Ana',
  editions,
  confirmUrl: 'http://127.0.0.1:3000/confirm?token=abc.def&x=1',
  expiresAt: new Date('2026-12-07T10:00:00Z'),
};

describe('confirmation email', () => {
  it('is compiled from the committed MJML: the compiled files are not stale', async () => {
    const { files } = await buildTemplates();
    for (const [path, content] of Object.entries(files)) {
      const committed = await readFile(new URL(`../../${path}`, import.meta.url), 'utf8');
      expect(committed, `${path} is stale: run npm run build:templates`).toBe(content);
    }
  });

  it('does not import MJML at run time', async () => {
    const source = await readFile(
      new URL('../../lambdas/adapters/confirmation-email.ts', import.meta.url),
      'utf8',
    );
    expect(source).not.toMatch(/from ['"]mjml/);
  });

  it('holds the link (button and text), the editions, the address and the postal address', async () => {
    const sent = await new TemplateConfirmationEmail(config).compose(message);
    expect(sent).toMatchObject({
      to: 'ana@example.com',
      from: config.sender.address,
      folder: 'confirmations',
    });
    const mail = await simpleParser(Buffer.from(sent.raw));
    expect(mail.subject).toBe('Confirm your subscription to Tidings D.C. and Tidings SG');
    const { document } = parseHTML(String(mail.html));
    const links = [...document.querySelectorAll('a')].map((a) => a.getAttribute('href'));
    expect(links.filter((href) => href === message.confirmUrl)).toHaveLength(2);
    const text = (document.body.textContent ?? '').replace(/\s+/g, ' ');
    expect(text).toContain('Tidings D.C. and Tidings SG');
    expect(text).toContain('ana@example.com');
    expect(text).toContain('Hello Ana,');
    expect(text).toContain(config.postalAddress);
    expect(String(mail.html)).not.toContain('%%TIDINGS_CONFIRM_');
    expect(mail.text).toContain(message.confirmUrl);
    expect(mail.text).not.toMatch(/<\/?[a-z][^>]*>/i);
  });

  it('names the publisher once in its footer and wraps its text part at 72 columns', () => {
    const { html, text } = new TemplateConfirmationEmail(config).content(message);
    const { document } = parseHTML(html);
    const footer = [...document.querySelectorAll('div')].map((d) => d.textContent?.trim() ?? '').at(-1) ?? '';
    expect(footer).toBe(config.postalAddress);
    expect(text).not.toContain(`${config.sender.name}, ${config.postalAddress}`);
    const long = text.split('\n').filter((line) => line.length > 72 && line !== message.confirmUrl);
    expect(long).toEqual([]);
  });

  it('keeps a hostile name as text and never lets a value become markup', async () => {
    const html = new TemplateConfirmationEmail(config).content({
      ...message,
      name: '<script>alert(1)</script> %%TIDINGS_CONFIRM_URL%%',
    }).html;
    const { document } = parseHTML(html);
    expect(document.querySelectorAll('script')).toHaveLength(0);
    expect(document.body.textContent).toContain('Hello <script>alert(1)</script> %%TIDINGS_CONFIRM_URL%%,');
  });

  it('refuses a confirmation link that is not http(s) or breaks a line', () => {
    const email = new TemplateConfirmationEmail(config);
    expect(() => email.content({ ...message, confirmUrl: 'javascript:alert(1)' })).toThrow(HeaderValueError);
    expect(() => email.content({ ...message, confirmUrl: 'https://x.example/\r\nBcc: y' })).toThrow(
      HeaderValueError,
    );
  });

  it('escapes every filled value for HTML', () => {
    const filled = fillConfirmationHtml(
      {
        SUBJECT: 's',
        PREHEADER: 'p',
        SENDER: 'A & B',
        GREETING: 'g',
        EDITIONS: 'e',
        EMAIL: 'm',
        URL: 'https://x.example/?a=1&b="2"',
        EXPIRES: 'x',
        POSTAL: 'p',
      },
      '<a href="%%TIDINGS_CONFIRM_URL%%">%%TIDINGS_CONFIRM_SENDER%%</a>',
    );
    expect(filled).toBe('<a href="https://x.example/?a=1&amp;b=&#34;2&#34;">A &amp; B</a>');
  });
  it('writes the expiry as Intl writes it in en-US, midnight, noon and every month included', () => {
    expect(expiryLabel(new Date('2026-11-30T00:05:00Z'))).toBe('November 30, 2026 at 12:05 AM UTC');
    expect(expiryLabel(new Date('2026-01-02T12:00:00Z'))).toBe('January 2, 2026 at 12:00 PM UTC');
    expect(expiryLabel(new Date('2026-07-04T09:30:59Z'))).toBe('July 4, 2026 at 9:30 AM UTC');
    const intl = new Intl.DateTimeFormat('en-US', {
      timeZone: 'UTC',
      month: 'long',
      day: 'numeric',
      year: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      timeZoneName: 'short',
    });
    let seed = 7;
    for (let i = 0; i < 3000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const date = new Date(Date.UTC(2000, 0, 1) + (seed % 5000) * 86_400_000 + (i % 1440) * 60_000);
      expect(expiryLabel(date)).toBe(intl.format(date).replace(/\u202f/g, ' '));
    }
  });

  it("names each link's own expiry in UTC, in both parts", () => {
    const email = new TemplateConfirmationEmail(config);
    const december = email.content(message);
    const june = email.content({ ...message, expiresAt: new Date('2027-06-30T23:05:00Z') });
    expect(december.text).toContain('The link works until December 7, 2026 at 10:00 AM UTC.');
    expect(december.html).toContain('December 7, 2026 at 10:00 AM UTC');
    expect(june.text.replace(/\s+/g, ' ')).toContain('The link works until June 30, 2027 at 11:05 PM UTC.');
    expect(june.html).toContain('June 30, 2027 at 11:05 PM UTC');
  });
});

describe('composeReaderEmail', () => {
  /** Message-ID, Date and the boundary are new in every message: one placeholder each. */
  const framed = (raw: string | Uint8Array): string =>
    Buffer.from(raw)
      .toString('utf8')
      .replace(/^Message-ID: <[0-9a-f-]{36}@[^>]+>$/m, 'Message-ID: <ID>')
      .replace(/^Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/m, 'Date: D')
      .replace(/--_NmP-[0-9a-f]{16}-Part_1/g, '--B');
  const sender = { ...config.sender, name: 'Tidings Ünïcode', replyTo: 'editor@tidings.example' };

  it('writes what nodemailer built for the confirmation before, but for Message-ID, Date and boundary', async () => {
    const { subject, html, text } = new TemplateConfirmationEmail(config).content(message);
    const headers = {
      'List-Unsubscribe': `<https://x.example/u?t=${'a'.repeat(120)}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    };
    const mine = composeReaderEmail(
      { sender },
      { to: 'ana@example.com', name: 'Zoë Q. "Reader"', subject, html, text, headers },
    );
    // The composer as the reader emails called it until they wrote their own MIME.
    const before = await new MailComposer({
      from: { name: sender.name, address: sender.address },
      to: { name: 'Zoë Q. "Reader"', address: 'ana@example.com' },
      replyTo: sender.replyTo,
      subject,
      headers,
      text: { content: text.replace(/\r?\n/g, '\r\n'), contentTransferEncoding: 'quoted-printable' },
      html: { content: html.replace(/\r?\n/g, '\r\n'), contentTransferEncoding: 'quoted-printable' },
    })
      .compile()
      .build();
    expect(framed(mine)).toBe(framed(before));
    expect(framed(mine)).toContain('Message-ID: <ID>\r\nDate: D\r\nMIME-Version: 1.0\r\n');
  });

  it('refuses a recipient that is not an email address, naming the field', () => {
    expect(() =>
      composeReaderEmail(
        { sender },
        { to: 'ana@example.com\r\nBcc: x@y.example', subject: 's', html: 'h', text: 't' },
      ),
    ).toThrow(HeaderValueError);
    expect(() => composeReaderEmail({ sender }, { to: 'ana', subject: 's', html: 'h', text: 't' })).toThrow(
      'recipient email is not an email address',
    );
  });
});
