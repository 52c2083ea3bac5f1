import { readFile } from 'node:fs/promises';
import { type ParsedMail, simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { foldLines } from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { DigestRenderer } from '../../lambdas/adapters/digest-renderer.js';
import {
  composeMessage,
  HeaderValueError,
  headerText,
  type MessageEnvelope,
  type PreparedMessage,
  personalize,
  prepareMessage,
  toField,
} from '../../lambdas/adapters/mime.js';
import type { RecipientLinks, RenderedDigest } from '../../lambdas/core/digest.js';
import { digestInput, recipient } from '../support/digest-fixture.js';

const envelope: MessageEnvelope = {
  from: 'Tidings <digest@tidings.example>',
  listId: 'Tidings D.C. <dc.tidings.example>',
  issueId: 'dc-2026-11-30',
  configurationSet: 'tidings',
};
const when = { messageId: '<fixed.1@tidings.example>', date: new Date('2026-11-30T11:30:00Z') };

function parse(raw: Uint8Array): Promise<ParsedMail> {
  return simpleParser(Buffer.from(raw));
}

function listHeader(mail: ParsedMail): {
  unsubscribe?: { url?: string; mail?: string };
  'unsubscribe-post'?: { name?: string };
  id?: { name?: string; id?: string };
} {
  return (mail.headers.get('list') ?? {}) as ReturnType<typeof listHeader>;
}

function rawHeaders(raw: Uint8Array): string {
  const text = Buffer.from(raw).toString('latin1');
  return text.slice(0, text.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
}

describe('MIME: encode once, personalize per recipient', () => {
  let renderer: DigestRenderer;
  let digest: RenderedDigest;
  let prepared: PreparedMessage;
  const ana = recipient('ana@example.com', 'Ana');
  const bo = recipient('bo@example.org');

  beforeAll(async () => {
    renderer = await DigestRenderer.create();
    digest = await renderer.render(digestInput());
    prepared = await prepareMessage(digest, envelope);
  });

  it('produces a multipart/alternative message with the list headers and both parts', async () => {
    const raw = personalize(prepared, ana, when);
    const mail = await parse(raw);
    expect(mail.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    expect(mail.subject).toBe(digest.subject);
    expect(mail.from?.value).toEqual([{ name: 'Tidings', address: 'digest@tidings.example' }]);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value : []).toEqual([
      { name: 'Ana', address: 'ana@example.com' },
    ]);
    expect(mail.messageId).toBe(when.messageId);
    expect(mail.date?.toISOString()).toBe(when.date.toISOString());
    const list = listHeader(mail);
    expect(list.unsubscribe).toEqual({
      url: ana.unsubscribeUrl.slice(0),
      mail: ana.unsubscribeMailto.slice('mailto:'.length),
    });
    expect(list['unsubscribe-post']?.name).toBe('List-Unsubscribe=One-Click');
    expect(list.id).toMatchObject({ name: 'Tidings D.C.', id: 'dc.tidings.example' });
    const headers = rawHeaders(raw);
    expect(headers).toContain(`List-Unsubscribe: <${ana.unsubscribeUrl}>, <${ana.unsubscribeMailto}>`);
    expect(headers).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(headers).toMatch(/X-Ses-Configuration-Set: tidings/i);
    expect(mail.html).toContain(digest.preheader);
    expect(mail.text).toContain('TIDINGS D.C.');
  });

  it('gives each recipient their own links and nothing of another', async () => {
    const [a, b] = await Promise.all([
      parse(personalize(prepared, ana, when)),
      parse(personalize(prepared, bo, when)),
    ]);
    expect(a.html).toContain(ana.unsubscribeUrl.replace('&', '&amp;'));
    expect(a.html).toContain(ana.preferencesUrl);
    expect(a.text).toContain(`Unsubscribe: ${ana.unsubscribeUrl}`);
    expect(a.text).toContain('Good morning, Ana.');
    expect(b.html).toContain(bo.unsubscribeUrl.replace('&', '&amp;'));
    expect(b.text).toContain('Good morning.');
    for (const needle of ['ana@example.com', 'YW5h', 'Good morning, Ana']) {
      expect(String(b.html)).not.toContain(needle);
      expect(String(b.text)).not.toContain(needle);
      expect(rawHeaders(personalize(prepared, bo, when))).not.toContain(needle);
    }
    expect(String(a.html)).not.toContain('bo@example.org');
    for (const mail of [a, b]) expect(`${mail.html}${mail.text}`).not.toContain('%%TIDINGS_SLOT_');
  });

  it('encodes a non-ASCII name per RFC 2047 and escapes it in the html', async () => {
    const zoe: RecipientLinks = recipient('zoe@example.com', 'Zoë Ångström-Ólafsdóttir "<b>quoted</b>" 日本');
    const raw = personalize(prepared, zoe, when);
    expect(rawHeaders(raw)).toMatch(/^To: =\?UTF-8\?Q\?/m);
    expect(Buffer.from(raw).every((byte) => byte < 0x80)).toBe(true);
    const mail = await parse(raw);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.name : '').toBe(
      'Zoë Ångström-Ólafsdóttir "<b>quoted</b>" 日本',
    );
    expect(mail.html).toContain(
      'Good morning, Zoë Ångström-Ólafsdóttir &#34;&lt;b&gt;quoted&lt;/b&gt;&#34; 日本.',
    );
    expect(mail.text).toContain('Good morning, Zoë Ångström-Ólafsdóttir "<b>quoted</b>" 日本.');
  });

  it('keeps every line of the encoded message within limits (76 in bodies, 998 anywhere)', () => {
    const long = recipient(`${'x'.repeat(60)}@example.com`, 'Ünïcode '.repeat(9));
    long.unsubscribeUrl = `https://tidings.example/unsubscribe?token=${'t'.repeat(300)}`;
    const text = Buffer.from(personalize(prepared, long, when)).toString('latin1');
    const [head = '', body = ''] = [
      text.slice(0, text.indexOf('\r\n\r\n')),
      text.slice(text.indexOf('\r\n\r\n') + 4),
    ];
    expect(head.split('\r\n').every((line) => line.length <= 998)).toBe(true);
    expect(body.split('\r\n').filter((line) => line.length > 76)).toEqual([]);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('equals a full per-recipient render apart from Message-ID, Date and boundaries', async () => {
    for (const reader of [ana, bo, recipient('zoe@example.com', 'Zoë "Z" <Ångström> & co')]) {
      const spliced = await parse(personalize(prepared, reader, when));
      const full = await parse(
        await composeMessage(await renderer.renderFor(digestInput(), reader), envelope, reader, when),
      );
      expect(spliced.html).toBe(full.html);
      expect(spliced.text).toBe(full.text);
      expect(spliced.subject).toBe(full.subject);
      expect(spliced.to).toEqual(full.to);
      expect(spliced.from).toEqual(full.from);
      expect(listHeader(spliced)).toEqual(listHeader(full));
      const names = (mail: ParsedMail): string[] => [...mail.headers.keys()].sort();
      expect(names(spliced)).toEqual(names(full));
      for (const name of names(full)) {
        if (['message-id', 'date', 'content-type'].includes(name)) continue;
        expect(spliced.headers.get(name)).toEqual(full.headers.get(name));
      }
    }
  });

  it('never imports MJML or the renderer (the send function bundles this module)', async () => {
    const source = await readFile(new URL('../../lambdas/adapters/mime.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/from ['"](mjml|liquidjs|\.\/digest-renderer)/);
  });

  it('survives a JSON round trip of the prepared message', async () => {
    const copy = JSON.parse(JSON.stringify(prepared)) as PreparedMessage;
    expect(
      Buffer.from(personalize(copy, ana, when)).equals(Buffer.from(personalize(prepared, ana, when))),
    ).toBe(true);
  });

  describe('hostile recipient values', () => {
    it.each([
      ['an email with a line break', { email: 'ana@example.com\r\nBcc: x@evil.example' }],
      ['an email with angle brackets', { email: 'ana@example.com>, <x@evil.example' }],
      ['an unsubscribe URL with a line break', { unsubscribeUrl: 'https://t.example/u\r\nX-Evil: 1' }],
      ['an unsubscribe URL that is not http(s)', { unsubscribeUrl: 'javascript:alert(1)' }],
      ['a preferences URL with a space', { preferencesUrl: 'https://t.example/p x' }],
      [
        'a mailto that closes the bracket',
        { unsubscribeMailto: 'mailto:u@t.example>, <https://evil.example' },
      ],
    ])('rejects %s', (_label, override) => {
      expect(() => personalize(prepared, { ...ana, ...override }, when)).toThrow(HeaderValueError);
    });

    it('turns control characters in a name into spaces, never a new header', async () => {
      const raw = personalize(prepared, { ...ana, name: 'Ana\r\nBcc: x@evil.example\u0000' }, when);
      const mail = await parse(raw);
      expect(mail.headers.has('bcc')).toBe(false);
      expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.name : '').toBe(
        'Ana Bcc: x@evil.example',
      );
    });

    it('rejects a Message-ID that is not <id@domain>', () => {
      expect(() => personalize(prepared, ana, { messageId: '<a@b>\r\nBcc: x' })).toThrow(HeaderValueError);
    });

    it('strips bidi controls from the subject and the display name, so neither reads backwards', async () => {
      const dirty = await prepareMessage({ ...digest, subject: 'Invoice\u202efdp.exe\u2066 due' }, envelope);
      const mail = await parse(personalize(dirty, { ...ana, name: 'Ada\u202egnp.exe' }, when));
      expect(mail.subject).toBe('Invoicefdp.exe due');
      expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.name : '').toBe('Adagnp.exe');
    });

    it('strips control characters from the subject in one place', async () => {
      const dirty = await prepareMessage({ ...digest, subject: 'Hello\r\nBcc: x@evil.example' }, envelope);
      const mail = await parse(personalize(dirty, ana, when));
      expect(mail.subject).toBe('Hello Bcc: x@evil.example');
      expect(mail.headers.has('bcc')).toBe(false);
    });
  });
});

/**
 * The digest's MIME is written by reader-mime.ts; before, nodemailer's MailComposer built it with
 * these options. The same message, with the same Message-ID, Date and boundary, must come out byte
 * for byte the same, so the send function needs no MIME library.
 */
describe("the digest's MIME against nodemailer's composer", () => {
  const frame = { ...when, boundary: '--_NmP-0123456789abcdef-Part_1' };
  const replying: MessageEnvelope = { ...envelope, replyTo: 'letters@tidings.example' };

  async function composerBuild(
    digest: RenderedDigest,
    reader: RecipientLinks,
    list = {
      from: { name: 'Tidings', address: 'digest@tidings.example' },
      id: 'Tidings D.C. <dc.tidings.example>',
    },
  ): Promise<Buffer> {
    const crlf = (text: string): string => text.replace(/\r?\n/g, '\r\n');
    return new MailComposer({
      from: list.from,
      to: { name: reader.name ?? '', address: reader.email },
      replyTo: 'letters@tidings.example',
      subject: headerText(digest.subject),
      messageId: frame.messageId,
      date: frame.date,
      headers: {
        'List-Id': list.id,
        'List-Unsubscribe': `<${reader.unsubscribeUrl}>, <${reader.unsubscribeMailto}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'X-Tidings-Issue': envelope.issueId,
        'X-SES-CONFIGURATION-SET': 'tidings',
      },
      text: { content: crlf(digest.text), contentTransferEncoding: 'quoted-printable' },
      html: { content: crlf(digest.html), contentTransferEncoding: 'quoted-printable' },
      baseBoundary: '0123456789abcdef',
    })
      .compile()
      .build();
  }

  it.each([
    recipient('ana@example.com', 'Ana'),
    recipient('bo@example.org'),
    recipient('zoe@example.com', 'Zoë "Z" <Ångström> & co'),
    recipient('long.name@example.com', `${'Ünïcödé '.repeat(12)}Reader`),
    recipient(`${'a'.repeat(30)}@${'b'.repeat(38)}.com`),
  ])('writes what the composer built for $email', async (reader) => {
    const renderer = await DigestRenderer.create();
    const digest = await renderer.renderFor(digestInput(), reader);
    const written = Buffer.from(await composeMessage(digest, replying, reader, frame));
    expect(written.toString('latin1')).toBe((await composerBuild(digest, reader)).toString('latin1'));
  });

  // Hostile and non-ASCII header text: encoded words, a look-alike of one, control characters,
  // bidi marks, a subject long enough to fold, a sender name that must be quoted.
  it.each([
    ['Zürich — «Tidings» ✉', '=?utf-8?Q?not_a_word?= and\tcontrol\u0007 text ‮reversed‬'],
    ['Tidings, "Ed." (Paris)', `${'Très longue ligne '.repeat(8)}fin`],
    ['T', '東京の朝 — 速報'],
  ])('writes what the composer built for the sender %j and the subject %j', async (name, subject) => {
    const reader = recipient('ana@example.com', 'Ana');
    const renderer = await DigestRenderer.create();
    const digest = { ...(await renderer.renderFor(digestInput(), reader)), subject };
    const listId = `${headerText(name)} <zh.tidings.example>`;
    const hostile: MessageEnvelope = { ...replying, from: `${name} <digest@tidings.example>`, listId };
    const written = Buffer.from(await composeMessage(digest, hostile, reader, frame));
    const from = { name: headerText(name).replace(/^"(.*)"$/, '$1'), address: 'digest@tidings.example' };
    const built = await composerBuild(digest, reader, { from, id: listId });
    expect(written.toString('latin1')).toBe(built.toString('latin1'));
  });
});

describe('the To field', () => {
  const composed = (name: string, address: string): string =>
    foldLines(`To: ${MimeNode.encodeHeaderValue('To', { name, address })}`, 76);

  it.each([
    ['', 'ada@example.com'],
    ['', 'a.b+tag@sub.example.co.uk'],
    ['', "o'neil@example.com"],
    ['', 'weird!#$%&*+/=?^_`{|}~-@example.com'],
    ['', 'x@xn--bcher-kva.example'],
    ['', 'UPPER@EXAMPLE.COM'],
    ['', '.dot@example.com'],
    ['', 'trailing.@example.com'],
    ['', `${'a'.repeat(30)}@${'b'.repeat(36)}.com`],
    ['', `${'a'.repeat(30)}@${'b'.repeat(37)}.com`],
    ['', `${'a'.repeat(30)}@${'b'.repeat(38)}.com`],
    ['', `${'a'.repeat(64)}@${'b'.repeat(60)}.com`],
    ['Ada Lovelace', 'ada@example.com'],
    ['Zoë', 'zoe@example.com'],
    ['Doe, Jane', 'jane@example.com'],
  ])('is what the composer writes for %j <%s>', (name, address) => {
    expect(toField(name, address)).toBe(composed(name, address));
  });

  // Addresses Tidings never mails (a reader's address is checked before anything is written):
  // refused here too, with the field named and not the address.
  it.each([
    'ünï@example.com',
    'ada@bücher.example',
    '"quoted"@example.com',
    'a@[127.0.0.1]',
    'two..dots@example.com',
  ])('refuses %s, as the recipient check before it does', (address) => {
    expect(() => toField('', address)).toThrow(
      new HeaderValueError('recipient email is not an email address'),
    );
    expect(() => toField('Ada', address)).toThrow(HeaderValueError);
  });
});
