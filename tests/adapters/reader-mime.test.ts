import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { describe, expect, it } from 'vitest';
import { HeaderValueError } from '../../lambdas/adapters/header-values.js';
import {
  type MessageFrame,
  type ReaderMessage,
  writeReaderMessage,
} from '../../lambdas/adapters/reader-mime.js';

/**
 * The reader emails' own MIME writer against nodemailer's MailComposer, the library it replaces in
 * the functions (only the tests keep it): the same message, with the same
 * Date, Message-ID and boundary, must come out byte for byte the same.
 */

const BASE_BOUNDARY = '0123456789abcdef';
const FRAME: MessageFrame = {
  date: new Date('2026-12-07T10:00:00Z'),
  messageId: '<0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9@tidings.example>',
  boundary: `--_NmP-${BASE_BOUNDARY}-Part_1`,
};

/** What nodemailer builds for the message, with both parts forced to quoted-printable. */
async function composerBuild(message: ReaderMessage, frame: MessageFrame = FRAME): Promise<string> {
  // As `alternatives`: MailComposer's `text`/`html` options drop an empty part (or fail on one).
  const part = (type: string, content: string): Record<string, string> => ({
    contentType: `${type}; charset=utf-8`,
    content: content.replace(/\r?\n/g, '\r\n'),
    contentTransferEncoding: 'quoted-printable',
  });
  const root = new MailComposer({
    from: { name: message.from.name ?? '', address: message.from.address },
    to: { name: message.to.name ?? '', address: message.to.address },
    ...(message.replyTo ? { replyTo: message.replyTo } : {}),
    subject: message.subject,
    ...(message.headers ? { headers: { ...message.headers } } : {}),
    alternatives: [part('text/plain', message.text), part('text/html', message.html)],
    date: frame.date,
    messageId: frame.messageId,
    baseBoundary: BASE_BOUNDARY,
  }).compile();
  return (await root.build()).toString('utf8');
}

const written = (message: ReaderMessage, frame: Partial<MessageFrame> = FRAME): string =>
  Buffer.from(writeReaderMessage(message, frame)).toString('utf8');

const BASE: ReaderMessage = {
  from: { name: 'Tidings', address: 'digest@tidings.example' },
  to: { name: 'Ana', address: 'ana@example.com' },
  subject: 'Confirm your subscription to Tidings D.C.',
  text: 'Hello Ana,\n\nOpen this link.\n',
  html: '<p>Hello Ana,</p>\n<p><a href="https://x.example/c?t=a.b&amp;x=1">Confirm</a></p>\n',
};

const NAMES: (string | undefined)[] = [
  undefined,
  '',
  'Ana',
  'Zoë Q. "Reader"',
  'José Álvarez-Núñez',
  '山田 太郎',
  '😀 Emoji Fan 🎉',
  'مريم الأحمد',
  'שרה כהן',
  "O'Brien, Pat; (Editor) <boss>",
  'Back\\slash "quote"',
  'Mr.',
  'x'.repeat(80),
  `${'Ünïcödé '.repeat(10)}end`,
  'Ana (the "boss") Müller',
  '=?UTF-8?Q?Fake?=',
  'Tab\there',
  'Ελένη Παπαδοπούλου και Ιωάννης Αλεξόπουλος',
];

const SUBJECTS = [
  '',
  '   ',
  'Confirm your subscription',
  `Confirm your subscription to ${'Tidings Ünïcode and '.repeat(6)}more`,
  'a'.repeat(200),
  `${'word '.repeat(30)}end`,
  `${'x'.repeat(70)} ${'y'.repeat(90)} z`,
  '日本語のニュースレターへようこそ'.repeat(4),
  'Welcome 🎉🎉 to the 😀 digest 👩‍👩‍👧',
  'مرحبا بكم في النشرة الإخبارية اليومية',
  '"Quoted" subject',
  "Reader's digest: one, two; three (four) <five> @six [seven] \\eight",
  '=?UTF-8?Q?already_encoded?=',
  'see =?utf-8?Q?a b?= here',
  '=?bogus?= =?utf-8?X?x?=',
  `${'=?UTF-8?B?'.repeat(3)}?=`,
  'tab\there',
  'bell\u0007and del\u007f',
  'line one\nline two\r\nthree\rfour',
  ' leading and trailing ',
  'Mixed ascii words with one é in the middle of many words that make it long',
  `${'é'.repeat(13)}${'a'.repeat(13)}`,
  `ab${'€'.repeat(30)}`,
  'Welcome to Tidings D.C., Tidings SG and Tidings Zürich',
  `x${' '.repeat(100)}y`,
  `${'a'.repeat(60)} b${' '.repeat(74)}c ${'d'.repeat(80)}`,
];

const ADDRESSES = [
  'ana@example.com',
  'Ana.B@Example.COM',
  "o'neil+tag@mail.example",
  '.dot@x.example',
  'dot.@x.example',
  'x{y}|z~w@sub.x.example',
  'a@1.2',
  'q=?x@xn--jgeva-dua.ee',
  `${'l'.repeat(64)}@${'d'.repeat(63)}.example`,
];

/** Lines of exactly 75, 76 and 77 characters, escapes and UTF-8 at the wrap, spaces before breaks. */
const BODIES = [
  '',
  'hello',
  `${'a'.repeat(75)}\n${'b'.repeat(76)}\n${'c'.repeat(77)}\n`,
  `${'a'.repeat(74)}=\n${'b'.repeat(75)}=x\n${'c'.repeat(73)}é\n${'d'.repeat(76)}é`,
  'trailing spaces   \ntrailing tab\t\nboth \t \r\nend with space ',
  '=starts with equals\n.starts with a dot\n..two dots\nFrom the start\n-- \n',
  'CRLF\r\nLF\nCR\rCRLF again\r\n\r\nLF LF\n\nlone CR at end\r',
  `${'é=ü '.repeat(60)}\r\nend with spaces   \r\n\ttab\t\r\nno final break  `,
  `${'日本語のテキスト'.repeat(20)}\n${'中文'.repeat(50)}`,
  `${'😀🎉👩‍👩‍👧'.repeat(25)} ${'a'.repeat(10)}😀`,
  'مرحبا بكم في النشرة الإخبارية.\nשלום עולם, זה מכתב.\n',
  `<p>${'x'.repeat(75)}=${'€'.repeat(40)}</p>\r\n${'<a href="https://x.example/?a=1&b=2">link</a> '.repeat(20)}`,
  `${'word, '.repeat(40)}\n${'a.b!c?d '.repeat(30)}`,
  `${'a'.repeat(300)}\n${'=='.repeat(100)}`,
  ` \n\t\n \r\n`,
  `x${' '.repeat(100)}y`,
  // The streaming encoder writes the closing whitespace on its own: no soft break before it here.
  `${'z'.repeat(80)}\n${'x'.repeat(52)} y  `,
  // Over 64 KiB: encoded in slices, a line cut where the first slice ends.
  `${'x'.repeat(47)}\n${'long line with words '.repeat(3334)}\n  \t `,
];

const HEADERS: (Record<string, string> | undefined)[] = [
  undefined,
  {
    'List-Unsubscribe': `<https://x.example/u?t=${'a'.repeat(120)}>, <mailto:u@x.example>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  },
  { 'list-unsubscribe': '<https://x.example/u?t=abc>', 'x-entity-ref-id': 'abc-123', 'x-smtpapi': '{"a":1}' },
  { 'X-Note': 'café crème', 'X-Empty': '', 'X-Long': `${'segment '.repeat(20)}end` },
];

/** Every value of each list at least once, the lists stepped at different strides. */
function corpus(): [string, ReaderMessage][] {
  const cases: [string, ReaderMessage][] = [];
  const n = Math.max(NAMES.length, SUBJECTS.length, ADDRESSES.length, BODIES.length) * 2;
  const at = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;
  for (let i = 0; i < n; i++) {
    const replyTo = i % 3 === 0 ? undefined : at(ADDRESSES, i * 5 + 1);
    const message: ReaderMessage = {
      from: { name: at(NAMES, i * 7 + 2), address: at(ADDRESSES, i * 2) },
      to: { name: at(NAMES, i), address: at(ADDRESSES, i * 3 + 1) },
      ...(replyTo ? { replyTo } : {}),
      subject: at(SUBJECTS, i),
      headers: at(HEADERS, i),
      text: at(BODIES, i),
      html: at(BODIES, i * 5 + 3),
    };
    cases.push([`#${i}: ${JSON.stringify(message.subject).slice(0, 40)}`, message]);
  }
  return cases;
}

/** A seeded generator of strings from the characters that make encoders choose differently. */
function randomText(seed: number): (length: number) => string {
  const alphabet = [...'aZ9 .,!?=_-"\'\\;:()<>@\t', 'é', 'ü', '€', '日', 'ß', 'ا', '😀', '\n', '\r\n', '  '];
  let state = seed;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  return (length) =>
    Array.from(
      { length: Math.floor(next() * length) },
      () => alphabet[Math.floor(next() * alphabet.length)],
    ).join('');
}

describe('writeReaderMessage', () => {
  it.each(corpus())('writes what nodemailer builds, byte for byte: %s', async (_, message) => {
    expect(written(message)).toBe(await composerBuild(message));
  });

  it('writes what nodemailer builds for 300 seeded random names, subjects and bodies', async () => {
    const text = randomText(16);
    for (let i = 0; i < 300; i++) {
      const message: ReaderMessage = {
        ...BASE,
        from: { name: text(30), address: BASE.from.address },
        to: { name: text(60), address: BASE.to.address },
        subject: text(i % 2 ? 40 : 160),
        headers: { 'X-Random': text(90) },
        text: text(400),
        html: text(400),
      };
      expect(written(message), JSON.stringify(message)).toBe(await composerBuild(message));
    }
  });

  it("matches the composer's text and html options, the form the reader emails used before", async () => {
    const message = { ...BASE, replyTo: 'editor@tidings.example', headers: HEADERS[1] };
    const root = new MailComposer({
      from: BASE.from,
      to: BASE.to,
      replyTo: 'editor@tidings.example',
      subject: BASE.subject,
      headers: HEADERS[1],
      text: { content: BASE.text.replace(/\n/g, '\r\n'), contentTransferEncoding: 'quoted-printable' },
      html: { content: BASE.html.replace(/\n/g, '\r\n'), contentTransferEncoding: 'quoted-printable' },
      date: FRAME.date,
      messageId: FRAME.messageId,
      baseBoundary: BASE_BOUNDARY,
    }).compile();
    expect(written(message)).toBe((await root.build()).toString('utf8'));
  });

  it('makes its own Message-ID, Date and boundary in the shape nodemailer does', async () => {
    const mine = written(BASE, {});
    const shape = (raw: string): string =>
      raw
        .replace(/<[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}@tidings\.example>/, '<ID>')
        .replace(/^Date: .*$/m, 'Date: D')
        .replace(/--_NmP-[0-9a-f]{16}-Part_1/g, 'B');
    const root = new MailComposer({
      from: BASE.from,
      to: BASE.to,
      subject: BASE.subject,
      alternatives: [
        {
          contentType: 'text/plain; charset=utf-8',
          content: BASE.text.replace(/\n/g, '\r\n'),
          contentTransferEncoding: 'quoted-printable',
        },
        {
          contentType: 'text/html; charset=utf-8',
          content: BASE.html.replace(/\n/g, '\r\n'),
          contentTransferEncoding: 'quoted-printable',
        },
      ],
    }).compile();
    expect(shape(mine)).toBe(shape((await root.build()).toString('utf8')));
    expect(mine).toMatch(/^Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/m);
    expect(written(BASE, {})).not.toBe(mine);
  });

  it.each(corpus())('decodes back to its input: %s', async (_, message) => {
    const mail = await simpleParser(Buffer.from(writeReaderMessage(message, FRAME)));
    const body = (value: string | false | undefined): string =>
      String(value || '')
        .replace(/\r\n/g, '\n')
        .replace(/\n$/, '');
    expect(body(mail.text)).toBe(body(message.text));
    expect(body(mail.html)).toBe(body(message.html));
    // Text that is itself a valid encoded-word is passed through, as nodemailer does, and so
    // decoded by the reader's client; a parser also trims a header value and collapses its spaces.
    const header = (value: string): string | undefined =>
      value.includes('=?') ? undefined : value.replace(/\s+/g, ' ').trim();
    const decoded = (sent: string | undefined, value: string): string | undefined =>
      header(value) === undefined ? undefined : sent?.replace(/\s+/g, ' ').trim();
    if (message.subject.trim()) expect(decoded(mail.subject, message.subject)).toBe(header(message.subject));
    expect(decoded(mail.from?.value[0]?.name, message.from.name ?? '')).toBe(header(message.from.name ?? ''));
    const to = mail.to && !Array.isArray(mail.to) ? mail.to.value[0] : undefined;
    expect(decoded(to?.name, message.to.name ?? '')).toBe(header(message.to.name ?? ''));
    const local = (address: string | undefined): string | undefined =>
      address?.slice(0, address.lastIndexOf('@'));
    expect(local(to?.address)?.replace(/^"(.*)"$/, '$1')).toBe(local(message.to.address));
    expect(mail.messageId).toBe(FRAME.messageId);
  });

  it('refuses an address Tidings would not mail, naming the field but not the address', () => {
    for (const address of ['ana', 'a@b@example.com', 'ana@example', 'ä@example.com', 'a b@example.com']) {
      expect(() => writeReaderMessage({ ...BASE, to: { address } })).toThrow(
        new HeaderValueError('recipient email is not an email address'),
      );
    }
    expect(() => writeReaderMessage({ ...BASE, replyTo: 'editor' })).toThrow(
      new HeaderValueError('reply-to address is not an email address'),
    );
    expect(() => writeReaderMessage({ ...BASE, from: { address: 'x@y' } })).toThrow(
      new HeaderValueError('sender address is not an email address'),
    );
  });

  it('refuses an extra header field it writes itself or that is not a field name', () => {
    for (const key of ['subject', 'From', 'message-id', 'content-type', 'BCC', 'mime-version']) {
      expect(() => writeReaderMessage({ ...BASE, headers: { [key]: 'x' } })).toThrow(
        /is written by the message itself/,
      );
    }
    for (const key of ['X Note', 'X:Note', '', 'X-Ñ', 'X-\nBcc']) {
      expect(() => writeReaderMessage({ ...BASE, headers: { [key]: 'x' } })).toThrow(/is not a field name/);
    }
  });
});
