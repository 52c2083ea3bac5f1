import { readFile } from 'node:fs/promises';
import { parseHTML } from 'linkedom';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import type MimeNode from 'nodemailer/lib/mime-node';
import { describe, expect, it } from 'vitest';
import {
  fillConfirmationHtml,
  TemplateConfirmationEmail,
  writeMime,
} from '../../lambdas/adapters/confirmation-email.js';
import { HeaderValueError } from '../../lambdas/adapters/mime.js';
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

describe('writeMime', () => {
  const composer = (options: Record<string, unknown>): MimeNode =>
    new MailComposer({
      from: { name: 'Tidings Ünïcode', address: 'digest@tidings.example' },
      to: { name: 'Zoë Q. "Reader"', address: 'zoe@example.com' },
      subject: `Confirm your subscription to ${'Tidings Ünïcode and '.repeat(6)}more`,
      date: new Date('2026-12-07T10:00:00Z'),
      ...options,
    }).compile();
  const cases: [string, Record<string, unknown>][] = [
    [
      'the confirmation as composed',
      {
        text: {
          content: new TemplateConfirmationEmail(config).content(message).text.replace(/\n/g, '\r\n'),
          contentTransferEncoding: 'quoted-printable',
        },
        html: {
          content: new TemplateConfirmationEmail(config).content(message).html.replace(/\n/g, '\r\n'),
          contentTransferEncoding: 'quoted-printable',
        },
      },
    ],
    [
      'long lines, escapes at the wrap, trailing spaces, a reply-to and extra header fields',
      {
        replyTo: 'editor@tidings.example',
        headers: {
          'List-Unsubscribe': `<https://x.example/u?t=${'a'.repeat(120)}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
        text: {
          content: `${'é=ü '.repeat(60)}\r\nend with spaces   \r\n\ttab\t\r\nno final break  `,
          contentTransferEncoding: 'quoted-printable',
        },
        html: {
          content: `<p>${'x'.repeat(75)}=${'€'.repeat(40)}</p>\r\n${'<a href="https://x.example/?a=1&b=2">link</a> '.repeat(20)}`,
          contentTransferEncoding: 'quoted-printable',
        },
      },
    ],
  ];
  for (const [what, options] of cases) {
    it(`writes what the composer's own build streams, byte for byte: ${what}`, async () => {
      const root = composer(options);
      const written = writeMime(root);
      expect(written).toBeDefined();
      expect(Buffer.from(written ?? []).toString('utf8')).toBe((await root.build()).toString('utf8'));
    });
  }

  it('leaves to the composer a tree it does not cover (a body that is not quoted-printable)', () => {
    expect(
      writeMime(composer({ text: { content: 'hello', contentTransferEncoding: 'base64' } })),
    ).toBeUndefined();
  });
});
