import { randomBytes } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { isValidEmail } from '../core/subscriber.js';
import { HeaderValueError } from './header-values.js';

/**
 * The MIME of Tidings' emails (the confirmation, the welcome, and the digest that `mime.ts`
 * encodes once per issue), written in one pass without a MIME library, so no function carries
 * nodemailer. It writes exactly one shape:
 * multipart/alternative with a text and an html part, both UTF-8 in quoted-printable, and the
 * header fields From, To, Reply-To, Subject, extra unstructured fields (List-Unsubscribe…),
 * Message-ID, Date, MIME-Version. The bytes are those nodemailer's MailComposer builds for the
 * same message (its 10.x `mime-node`, `mime-funcs` and `qp` are the reference; the equivalence
 * test compares the two over hostile and ordinary input): field order, RFC 2047 encoded-words (Q
 * or B, whichever nodemailer picks), display-name quoting, folding at 76 columns, the
 * quoted-printable body with its soft breaks. Only Message-ID, Date and the boundary differ
 * between two runs, as they do between two builds.
 *
 * Addresses must be ones Tidings mails (`isValidEmail`): ASCII, so no SMTPUTF8 or punycode paths.
 */

export interface ReaderAddress {
  /** Display name; empty or absent: the bare address. */
  name?: string | undefined;
  address: string;
}

export interface ReaderMessage {
  from: ReaderAddress;
  to: ReaderAddress;
  replyTo?: string | undefined;
  subject: string;
  /** Unstructured fields written before From, in this order (e.g. List-Unsubscribe). */
  headers?: Readonly<Record<string, string>> | undefined;
  /** Line breaks may be LF or CRLF; each becomes CRLF. */
  text: string;
  html: string;
}

/** What is random or read from the clock in each message; tests fix it to compare bytes. */
export interface MessageFrame {
  date: Date;
  /** With its angle brackets. */
  messageId: string;
  /** The multipart boundary, as nodemailer makes it: `--_NmP-<16 hex>-Part_1`. */
  boundary: string;
}

const LINE = 76;
const CRLF = '\r\n';

/** Fields this writer sets itself, or that nodemailer would encode as structured: refused as extras. */
const OWN_FIELDS: ReadonlySet<string> = new Set([
  'From',
  'Sender',
  'To',
  'Cc',
  'Bcc',
  'Reply-To',
  'Subject',
  'Message-ID',
  'In-Reply-To',
  'References',
  'Content-ID',
  'Date',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'Content-Disposition',
  'OTP-Token',
]);

/** Writes one reader email; `frame` defaults to now, a random Message-ID and a random boundary. */
export function writeReaderMessage(message: ReaderMessage, frame?: Partial<MessageFrame>): Uint8Array {
  const from = mailbox(message.from, 'sender address');
  const boundary = frame?.boundary ?? `--_NmP-${randomBytes(8).toString('hex')}-Part_1`;
  if (!/^-[\w-]{1,69}$/.test(boundary))
    throw new HeaderValueError(`MIME boundary "${boundary}" is not one we write`);
  const fields: [string, string][] = [];
  for (const [key, value] of Object.entries(message.headers ?? {})) {
    fields.push([extraFieldName(key), encodeUnstructured(value)]);
  }
  fields.push(['From', from.field]);
  fields.push(['To', mailbox(message.to, 'recipient email').field]);
  if (message.replyTo) fields.push(['Reply-To', bareAddress(message.replyTo, 'reply-to address')]);
  fields.push(['Subject', encodeUnstructured(message.subject)]);
  fields.push(['Message-ID', frame?.messageId ?? newMessageId(from.address)]);
  fields.push(['Date', dateValue(frame?.date ?? new Date())]);
  fields.push(['MIME-Version', '1.0']);
  fields.push(['Content-Type', `multipart/alternative; boundary=${JSON.stringify(boundary)}`]);
  const head = fields
    .filter(([, value]) => value.trim() !== '')
    .map(([key, value]) => foldLines(`${key}: ${value}`))
    .join(CRLF);
  const raw = [
    `${head}${CRLF}${CRLF}`,
    `--${boundary}${CRLF}`,
    textPart('text/plain', message.text),
    `${CRLF}--${boundary}${CRLF}`,
    textPart('text/html', message.html),
    `${CRLF}--${boundary}--${CRLF}`,
  ].join('');
  return new Uint8Array(Buffer.from(raw, 'utf8'));
}

/** A Date field's value as the composer writes it: `Tue, 01 Dec 2026 08:00:00 +0000`. */
export function dateValue(date: Date): string {
  return date.toUTCString().replace(/GMT/, '+0000');
}

/**
 * The `To:` field as {@link writeReaderMessage} writes it (and nodemailer's composer): the display
 * name quoted or encoded, the address normalised, folded at 76 columns.
 */
export function toFieldLine(to: ReaderAddress): string {
  return foldLines(`To: ${mailbox(to, 'recipient email').field}`);
}

/**
 * Quoted-printable of a value, unwrapped (nodemailer's `qp.encode`): whitespace before a line
 * break or at the end is escaped too. The digest's MIME wraps it itself.
 */
export function quotedPrintable(bytes: Buffer): string {
  return qpEncode(bytes);
}

/** One alternative: its two header fields and its body in quoted-printable (none when empty). */
function textPart(type: 'text/plain' | 'text/html', content: string): string {
  const head = `Content-Type: ${type}; charset=utf-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}`;
  return content === '' ? head : head + qpBody(Buffer.from(content.replace(/\r?\n/g, CRLF), 'utf8'));
}

function newMessageId(fromAddress: string): string {
  const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
  return `<${hex(4)}-${hex(2)}-${hex(2)}-${hex(2)}-${hex(6)}@${fromAddress.slice(fromAddress.lastIndexOf('@') + 1)}>`;
}

// ---------------------------------------------------------------- addresses

/** RFC 5322 dot-atom (the ASCII part of nodemailer's): a local part written without quotes. */
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*$/;
/** An address without specials: written bare when it has no display name, else in brackets. */
const PLAIN_ADDRESS = /^[^\s"(),:;<>@[\\\]]+@[^\s"(),:;<>@[\\\]]+$/;

/** The address as nodemailer normalises it: a local part that is not a dot-atom quoted, the domain in A-label form. */
function normalizedAddress(value: string, field: string): string {
  // The address is not repeated: a reader's address never goes into an error (and from there a log).
  if (!isValidEmail(value)) throw new HeaderValueError(`${field} is not an email address`);
  const at = value.lastIndexOf('@');
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  return `${DOT_ATOM.test(local) ? local : quoteString(local)}@${domainToASCII(domain) || domain.toLowerCase()}`;
}

function bareAddress(value: string, field: string): string {
  const address = normalizedAddress(value, field);
  return PLAIN_ADDRESS.test(address) ? address : `<${address}>`;
}

function mailbox(value: ReaderAddress, field: string): { address: string; field: string } {
  if (!value.name)
    return { address: normalizedAddress(value.address, field), field: bareAddress(value.address, field) };
  const address = normalizedAddress(value.address, field);
  return { address, field: `${encodeDisplayName(value.name)} <${address}>` };
}

/** A word as is, printable ASCII quoted, anything else as encoded-words. */
function encodeDisplayName(name: string): string {
  if (/^[\w ]*$/.test(name)) return name;
  if (/^[\x20-\x7e]*$/.test(name)) return quoteString(name);
  return encodeWord(name, textEncoding(name));
}

function quoteString(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

// ---------------------------------------------------------------- unstructured fields

/** A field name as nodemailer spells it (`list-unsubscribe` → `List-Unsubscribe`), or refused. */
function extraFieldName(key: string): string {
  if (!/^[!-9;-~]+$/.test(key)) throw new HeaderValueError(`header field name "${key}" is not a field name`);
  const name = key
    .toLowerCase()
    .replace(/^X-SMTPAPI$|^(MIME|DKIM|ARC|BIMI)\b|^OTP(?=-Token$)|^[a-z]|-(SPF|FBL|ID|MD5)$|-[a-z]/gi, (c) =>
      c.toUpperCase(),
    )
    .replace(/^Content-Features$/i, 'Content-features');
  if (OWN_FIELDS.has(name))
    throw new HeaderValueError(`header field ${name} is written by the message itself`);
  return name;
}

/** Control characters force an encoded-word; so do quotes, non-ASCII, and text a reader would decode. */
function encodeUnstructured(raw: string): string {
  const value = raw.replace(/\r?\n|\r/g, ' ');
  const encode = [...value].some((c) => isControl(c.charCodeAt(0))) || needsEncodedWords(value);
  return encode ? encodeWord(value, textEncoding(value)) : value;
}

/** C0 but tab, line feed and carriage return; DEL. */
function isControl(code: number): boolean {
  return code <= 0x08 || code === 0x0b || code === 0x0c || (code >= 0x0e && code <= 0x1f) || code === 0x7f;
}

function needsEncodedWords(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x22 || code >= 0x80) return true;
  }
  return value.includes('=?') && hasInvalidEncodedWord(value);
}

const VALID_ENCODED_WORD = /^=\?[^\s()<>@,;:"/[\]?.=]+\?[BbQq]\?[^?\s]+\?=$/;
const LENIENT_ENCODED_WORD = /[=]\?[^?]*\?[BbQq]\?[^?]*\?=/y;

/**
 * Whether the value holds text a receiver would decode as an encoded-word but that is not one
 * valid encoded-word on its own (RFC 2047 section 7); a valid one is passed through as nodemailer
 * does. The walk is nodemailer's `_markInvalidEncodedWords`, stopping at the first such word.
 */
function hasInvalidEncodedWord(value: string): boolean {
  const len = value.length;
  const isSpace = (pos: number): boolean => /\s/.test(value.charAt(pos));
  let wordStart = 0;
  let wordEnd = -1;
  const wordAt = (pos: number): void => {
    if (pos < wordEnd) return;
    wordStart = pos;
    while (wordStart > 0 && !isSpace(wordStart - 1)) wordStart--;
    wordEnd = pos;
    while (wordEnd < len && !isSpace(wordEnd)) wordEnd++;
  };
  let pos = value.indexOf('=?');
  while (pos >= 0) {
    wordAt(pos);
    const start = wordStart;
    LENIENT_ENCODED_WORD.lastIndex = pos;
    const match = LENIENT_ENCODED_WORD.exec(value);
    const end = match ? pos + match[0].length : wordEnd;
    if (match && end > wordEnd) wordAt(end - 1);
    const word = value.substring(start, wordEnd);
    const looksLike = match ? true : start === pos && word.length >= 4 && word.endsWith('?=');
    const valid = start === pos && wordEnd === end && word.length <= 75 && VALID_ENCODED_WORD.test(word);
    if (looksLike && !valid) return true;
    pos = value.indexOf('=?', match ? end : pos + 2);
  }
  return false;
}

/** Q when Latin letters outnumber the rest (non-ASCII and controls), B otherwise. */
function textEncoding(value: string): 'Q' | 'B' {
  let nonLatin = 0;
  let latin = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code !== 0x7f && isControl(code)) || code >= 0x80) {
      nonLatin++;
    } else if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) {
      latin++;
    }
  }
  return nonLatin < latin ? 'Q' : 'B';
}

/** Encoded text per word at most: 52 characters less `=?UTF-8?Q?` and `?=`. */
const WORD_TEXT = 52 - 12;
const WORD_JOIN = (encoding: 'Q' | 'B'): string => `?= =?UTF-8?${encoding}?`;

/** RFC 2047 encoded-words, split so each holds whole characters. */
function encodeWord(data: string, encoding: 'Q' | 'B'): string {
  let text: string;
  if (encoding === 'Q') {
    text = qpEncode(Buffer.from(data, 'utf8')).replace(/[^a-z0-9!*+\-/=]/gi, (chr) =>
      chr === ' ' ? '_' : `=${chr.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
    );
    if (text.length > WORD_TEXT) text = splitEncoded(text, WORD_TEXT).join(WORD_JOIN('Q'));
  } else {
    // B words hold at most this many bytes of text (whole characters, pairs kept together).
    const bytes = (WORD_TEXT / 4) * 3;
    const whole = Buffer.from(data, 'utf8').toString('base64');
    if (whole.length > bytes) {
      const parts: string[] = [];
      let part = '';
      for (let i = 0; i < data.length; i++) {
        let chr = data.charAt(i);
        if (/[\ud800-\udbff]/.test(chr) && /[\udc00-\udfff]/.test(data.charAt(i + 1)))
          chr += data.charAt(++i);
        if (Buffer.byteLength(part + chr) <= bytes || i === 0) {
          part += chr;
        } else {
          parts.push(Buffer.from(part, 'utf8').toString('base64'));
          part = chr;
        }
      }
      if (part) parts.push(Buffer.from(part, 'utf8').toString('base64'));
      text = parts.join(WORD_JOIN('B'));
    } else {
      text = whole;
    }
  }
  return `=?UTF-8?${encoding}?${text}?=`;
}

/** Cuts Q-encoded text into pieces of at most `max`, never inside an escape or a UTF-8 sequence. */
function splitEncoded(encoded: string, max: number): string[] {
  const lines: string[] = [];
  let rest = encoded;
  while (rest.length) {
    let line = rest.slice(0, max);
    const partial = /[=][0-9A-F]?$/i.exec(line);
    if (partial) line = line.slice(0, partial.index);
    const fallback = line.length ? line : rest.slice(0, max);
    let done = false;
    while (!done && line.length) {
      done = true;
      const next = /^[=]([0-9A-F]{2})/i.exec(rest.slice(line.length));
      if (next) {
        const code = Number.parseInt(next[1] ?? '', 16);
        if (code < 0xc2 && code > 0x7f) {
          line = line.slice(0, -3);
          done = false;
        }
      }
    }
    if (!line.length) line = fallback;
    lines.push(line);
    rest = rest.slice(line.length);
  }
  return lines;
}

/** Folds a header line at 76 columns before whitespace (or after the first word too long to fold). */
function foldLines(str: string): string {
  const len = str.length;
  let pos = 0;
  let result = '';
  while (pos < len) {
    let line = str.slice(pos, pos + LINE);
    if (line.length < LINE) {
      result += line;
      break;
    }
    const breakAt = /^[^\n\r]*(\r?\n|\r)/.exec(line);
    if (breakAt) {
      result += breakAt[0];
      pos += breakAt[0].length;
      continue;
    }
    const tail = /(\s+)[^\s]*$/.exec(line);
    if (tail && tail[0].length < line.length) {
      line = line.slice(0, line.length - tail[0].length);
    } else {
      const word = /^[^\s]+(\s*)/.exec(str.slice(pos + line.length));
      if (word) line += word[0].slice(0, word[0].length - (word[1] ?? '').length);
    }
    result += line;
    pos += line.length;
    if (pos < len) result += CRLF;
  }
  return result;
}

// ---------------------------------------------------------------- quoted-printable (RFC 2045 6.7)

/** 1 for each byte written as itself: tab, line breaks, printable ASCII but `=`. */
const QP_LITERAL = new Uint8Array(256).map((_, byte) =>
  byte === 0x09 || byte === 0x0a || byte === 0x0d || (byte >= 0x20 && byte <= 0x7e && byte !== 0x3d) ? 1 : 0,
);
const HEX = '0123456789ABCDEF';

/** Bytes encoded and wrapped at a time by nodemailer's streaming encoder. */
const QP_SLICE = 64 * 1024;

/**
 * A part's body as nodemailer's streaming encoder (`qp.Encoder`, which `build()` pipes each part
 * through) writes it: 64 KiB slices, each wrapped after the last line of the one before, and the
 * whitespace that ends the part encoded last, on its own. That is `qp.wrap(qp.encode(body))`
 * except where trailing whitespace moves a soft break; both decode to the same text.
 */
function qpBody(bytes: Buffer): string {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x20 || bytes[end - 1] === 0x09)) end--;
  const held = bytes.length - end <= QP_SLICE ? bytes.subarray(end) : bytes.subarray(bytes.length);
  let done = '';
  let line = '';
  const encodeSlices = (buf: Buffer): void => {
    for (let start = 0; start < buf.length; start += QP_SLICE) {
      const stop = Math.min(start + QP_SLICE, buf.length);
      const wrapped = qpWrap(line + qpEncode(buf.subarray(start, stop), buf[stop]));
      const lastBreak = wrapped.lastIndexOf('\n');
      line = wrapped.slice(lastBreak + 1);
      done += wrapped.slice(0, lastBreak + 1);
    }
  };
  encodeSlices(bytes.subarray(0, bytes.length - held.length));
  encodeSlices(held);
  return done + line;
}

/**
 * Quoted-printable of text: whitespace before a line break or at the end is escaped too; `after`
 * is the byte that follows these (none: they end the text).
 */
function qpEncode(bytes: Buffer, after?: number): string {
  const out = Buffer.allocUnsafe(bytes.length * 3);
  let pos = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] ?? 0;
    const next = i + 1 < bytes.length ? bytes[i + 1] : after;
    const lineEndSpace =
      (byte === 0x20 || byte === 0x09) && (next === undefined || next === 0x0a || next === 0x0d);
    if (QP_LITERAL[byte] && !lineEndSpace) {
      out[pos++] = byte;
    } else {
      out[pos++] = 0x3d;
      out[pos++] = HEX.charCodeAt(byte >> 4);
      out[pos++] = HEX.charCodeAt(byte & 15);
    }
  }
  return out.toString('latin1', 0, pos);
}

/**
 * Soft line breaks (`=` CRLF) so no line passes 76 characters, as nodemailer's `qp.wrap` places
 * them: before a space or punctuation near the end when there is one, never inside an escape or
 * a UTF-8 sequence.
 */
function qpWrap(str: string): string {
  if (str.length <= LINE) return str;
  const len = str.length;
  const margin = Math.floor(LINE / 3);
  let pos = 0;
  let result = '';
  while (pos < len) {
    let line = str.slice(pos, pos + LINE);
    const crlf = /\r\n/.exec(line);
    if (crlf) {
      line = line.slice(0, crlf.index + 2);
      result += line;
      pos += line.length;
      continue;
    }
    if (line.endsWith('\n')) {
      result += line;
      pos += line.length;
      continue;
    }
    const lf = /\n.*?$/.exec(line.slice(-margin));
    if (lf) {
      line = line.slice(0, line.length - (lf[0].length - 1));
      result += line;
      pos += line.length;
      continue;
    }
    const space = line.length > LINE - margin ? /[ \t.,!?][^ \t.,!?]*$/.exec(line.slice(-margin)) : null;
    if (space) {
      line = line.slice(0, line.length - (space[0].length - 1));
    } else if (/[=][\da-f]{0,2}$/i.test(line)) {
      const partial = /[=][\da-f]{0,1}$/i.exec(line);
      if (partial) line = line.slice(0, line.length - partial[0].length);
      let last = /[=][\da-f]{2}$/i.exec(line);
      while (line.length > 3 && line.length < len - pos && !/^(?:=[\da-f]{2}){1,4}$/i.test(line) && last) {
        const code = Number.parseInt(last[0].slice(1, 3), 16);
        if (code < 128) break;
        line = line.slice(0, -3);
        if (code >= 0xc0) break;
        last = /[=][\da-f]{2}$/i.exec(line);
      }
    }
    if (!line.length) line = str.slice(pos, pos + LINE);
    if (pos + line.length < len && !line.endsWith('\n')) {
      if (line.length === LINE && /[=][\da-f]{2}$/i.test(line)) line = line.slice(0, -3);
      else if (line.length === LINE) line = line.slice(0, -1);
      pos += line.length;
      line += `=${CRLF}`;
    } else {
      pos += line.length;
    }
    result += line;
  }
  return result;
}
