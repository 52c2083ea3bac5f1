import { randomUUID } from 'node:crypto';
import {
  escapeHtml,
  type RecipientLinks,
  type RenderedDigest,
  recipientSlotValues,
  SLOT_NAMES,
  SLOT_PATTERN,
  type SlotName,
  type SlotValues,
  slotOfMarker,
} from '../core/digest.js';
import { TidingsError } from '../core/errors.js';
import { isValidEmail } from '../core/subscriber.js';
import { HEADER_VALUE, keepsRule } from '../core/text-rules.js';
import { HeaderValueError, headerText, headerToken } from './header-values.js';
import { dateValue, quotedPrintable, toFieldLine, writeReaderMessage } from './reader-mime.js';

/**
 * Digest MIME, encoded once per issue and personalised per recipient by splicing.
 *
 * `prepareMessage` has `reader-mime.ts` write the whole message once (the bytes nodemailer's
 * MailComposer builds for it: a test compares them), for a placeholder recipient, both parts in
 * quoted-printable. Before encoding, every slot marker in
 * the html and text is put on a line of its own (`CRLF marker CRLF`): QP keeps CRLF as a hard
 * line break and only wraps lines over 76 characters, so each marker comes out whole and
 * unencoded (it uses only `%`, `_` and capitals). The encoded message is cut at the markers into
 * static pieces. `personalize` then escapes each value for its part (HTML text/attribute, or plain
 * text), QP-encodes it into lines of at most 76 characters, and puts it where `CRLF marker CRLF`
 * was between two soft line breaks (`=CRLF`), which decode to nothing: the decoded part is exactly
 * the template output with the value in place of the marker. The per-recipient header fields
 * (To, Message-ID, Date, List-Unsubscribe) are written fresh; the rest of the head is reused.
 *
 * No MJML here: the send function bundles this module.
 */

export interface MessageEnvelope {
  /** "Name <addr>". */
  from: string;
  replyTo?: string;
  /** e.g. "Tidings D.C. <dc.tidings.example>". */
  listId: string;
  issueId: string;
  /** Added as `X-SES-CONFIGURATION-SET` so SES publishes this message's events. */
  configurationSet?: string;
  /** "Tidings D.C." for the receipt line; defaults to the digest's, else to the List-Id's name. */
  publication?: string;
}

interface SlotPiece {
  slot: SlotName;
  part: 'html' | 'text';
}
type BodyPiece = string | SlotPiece;

/** An issue's message, encoded once; plain data (JSON round-trips), personalised by {@link personalize}. */
export interface PreparedMessage {
  version: 1;
  issueId: string;
  publication: string;
  /** Domain of the sender address, the right-hand side of Message-IDs. */
  domain: string;
  /** Header fields every recipient shares, each ending in CRLF. */
  head: string;
  /** The body after the blank line: encoded static pieces and the slots between them. */
  body: BodyPiece[];
}

/** The encoded message could not be cut at its slots (a marker did not survive encoding). */
export class MimeSpliceError extends TidingsError {
  override readonly name = 'MimeSpliceError';
  override readonly kind = 'internal';
}

// ---------------------------------------------------------------- header values, in one place

// The header rules are the reader emails' (header-values.ts), named here for the digest's callers.
export { HeaderValueError, headerText, headerToken };

function address(value: string, field: string): string {
  const token = headerToken(value, field);
  if (!isValidEmail(token)) throw new HeaderValueError(`${field} is not an email address`);
  return token;
}

function httpUrl(value: string, field: string): string {
  const token = headerToken(value, field);
  if (!URL.canParse(token) || !/^https?:$/.test(new URL(token).protocol)) {
    throw new HeaderValueError(`${field} must be an absolute http(s) URL`);
  }
  return token;
}

function messageIdValue(value: string): string {
  if (!/^<[^\s<>@]+@[^\s<>@]+>$/.test(value) || !keepsRule(HEADER_VALUE, value.slice(1, -1))) {
    throw new HeaderValueError('Message-ID must look like <id@domain>');
  }
  return value;
}

function mailtoUrl(value: string, field: string): string {
  const token = headerToken(value, field);
  if (!/^mailto:[^@]+@[A-Za-z0-9.-]+(\?.*)?$/i.test(token))
    throw new HeaderValueError(`${field} must be a mailto: URL`);
  return token;
}

/** Parses "Name <addr>" or "addr" into a checked address and a one-line name. */
function mailbox(value: string, field: string): { name: string; address: string } {
  const match = /^\s*(.*?)\s*<([^<>]*)>\s*$/.exec(value);
  if (!match) return { name: '', address: address(value.trim(), field) };
  return {
    name: headerText((match[1] ?? '').replace(/^"(.*)"$/, '$1')),
    address: address(match[2] ?? '', field),
  };
}

function listIdHeader(value: string): { name: string; id: string } {
  const match = /^\s*(.*?)\s*<([A-Za-z0-9.-]+)>\s*$/.exec(value);
  if (!match?.[2]) throw new HeaderValueError('List-Id must look like "Name <id.domain>"');
  return { name: headerText(match[1] ?? ''), id: match[2] };
}

/** The checked per-recipient values; throws {@link HeaderValueError} before anything is built. */
function checkRecipient(recipient: RecipientLinks): RecipientLinks {
  const checked: RecipientLinks = {
    email: address(recipient.email, 'recipient email'),
    unsubscribeUrl: httpUrl(recipient.unsubscribeUrl, 'unsubscribe URL'),
    preferencesUrl: httpUrl(recipient.preferencesUrl, 'preferences URL'),
    unsubscribeMailto: mailtoUrl(recipient.unsubscribeMailto, 'unsubscribe mailto'),
  };
  const name = recipient.name === undefined ? '' : headerText(recipient.name);
  if (name !== '') checked.name = name;
  return checked;
}

// ---------------------------------------------------------------- composing

function listUnsubscribe(recipient: RecipientLinks): string {
  return `<${recipient.unsubscribeUrl}>, <${recipient.unsubscribeMailto}>`;
}

function publicationOf(
  digest: Partial<Pick<RenderedDigest, 'publication'>>,
  envelope: MessageEnvelope,
  listName: string,
): string {
  return headerText(envelope.publication ?? digest.publication ?? listName);
}

interface ComposeParts {
  html: string;
  text: string;
  to: { name: string; address: string };
  messageId: string;
  date: Date;
  listUnsubscribe: string;
  /** The multipart boundary; random when absent. */
  boundary?: string;
}

async function compose(
  digest: Pick<RenderedDigest, 'subject'>,
  envelope: MessageEnvelope,
  parts: ComposeParts,
): Promise<Buffer> {
  const from = mailbox(envelope.from, 'from');
  const listId = listIdHeader(envelope.listId);
  const headers: Record<string, string> = {
    'List-Id': `${listId.name} <${listId.id}>`,
    'List-Unsubscribe': parts.listUnsubscribe,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'X-Tidings-Issue': headerToken(envelope.issueId, 'issue id'),
  };
  if (envelope.configurationSet) {
    headers['X-SES-CONFIGURATION-SET'] = headerToken(envelope.configurationSet, 'configuration set');
  }
  // QP for both parts, always: it keeps the markup readable and makes splicing possible.
  const raw = writeReaderMessage(
    {
      from,
      to: parts.to,
      ...(envelope.replyTo ? { replyTo: address(envelope.replyTo, 'reply-to') } : {}),
      subject: headerText(digest.subject),
      headers,
      text: parts.text,
      html: parts.html,
    },
    { date: parts.date, messageId: parts.messageId, ...(parts.boundary ? { boundary: parts.boundary } : {}) },
  );
  return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
}

function messageIdFor(issueId: string, domain: string): string {
  return `<${issueId}.${randomUUID()}@${domain}>`;
}

/**
 * A whole message for one recipient in one go (the writer over html and text that already hold
 * the recipient's values). For one-off messages and as the reference that {@link personalize}
 * must match; the digest send path uses {@link prepareMessage} + {@link personalize}.
 */
export async function composeMessage(
  digest: Pick<RenderedDigest, 'subject' | 'html' | 'text'>,
  envelope: MessageEnvelope,
  recipient: RecipientLinks,
  options: { messageId?: string; date?: Date; boundary?: string } = {},
): Promise<Uint8Array> {
  const checked = checkRecipient(recipient);
  const from = mailbox(envelope.from, 'from');
  const domain = from.address.slice(from.address.lastIndexOf('@') + 1);
  return compose(digest, envelope, {
    html: digest.html,
    text: digest.text,
    to: { name: checked.name ?? '', address: checked.email },
    messageId: messageIdValue(options.messageId ?? messageIdFor(envelope.issueId, domain)),
    date: options.date ?? new Date(),
    listUnsubscribe: listUnsubscribe(checked),
    ...(options.boundary ? { boundary: options.boundary } : {}),
  });
}

// ---------------------------------------------------------------- prepare once

const PLACEHOLDER_TO = { name: '', address: 'recipient@placeholder.invalid' };
const PLACEHOLDER_LINKS: RecipientLinks = {
  email: PLACEHOLDER_TO.address,
  unsubscribeUrl: 'https://placeholder.invalid/unsubscribe',
  preferencesUrl: 'https://placeholder.invalid/preferences',
  unsubscribeMailto: 'mailto:unsubscribe@placeholder.invalid',
};
/** Header fields written per recipient; dropped from the shared head. */
const PER_RECIPIENT_FIELDS = new Set(['to', 'message-id', 'date', 'list-unsubscribe']);
const QP_LINE = 76;

/** Puts every marker on a line of its own so quoted-printable leaves it whole. */
function isolateMarkers(source: string): string {
  return source.replace(SLOT_PATTERN, (marker) => (slotOfMarker(marker) ? `\n${marker}\n` : marker));
}

function countMarkers(source: string): number {
  let count = 0;
  for (const match of source.matchAll(SLOT_PATTERN)) if (slotOfMarker(match[0])) count++;
  return count;
}

/**
 * Makes room for the soft line break `=` that will follow a piece's last line, keeping every
 * encoded line within 76 characters; never cuts an `=XX` escape.
 */
function roomForSoftBreak(piece: string): string {
  const start = piece.lastIndexOf('\r\n') + 2;
  const last = piece.slice(start);
  if (last.length + 1 <= QP_LINE) return piece;
  let cut = QP_LINE - 6;
  while (cut > 0 && (last[cut - 1] === '=' || last[cut - 2] === '=')) cut--;
  return `${piece.slice(0, start)}${last.slice(0, cut)}=\r\n${roomForSoftBreak(last.slice(cut))}`;
}

/**
 * Encodes an issue's message once. The result is plain data: store it, or rebuild it from the
 * issue's html and text once per worker; then call {@link personalize} per recipient.
 */
export async function prepareMessage(
  digest: Pick<RenderedDigest, 'subject' | 'html' | 'text'> & Partial<Pick<RenderedDigest, 'publication'>>,
  envelope: MessageEnvelope,
): Promise<PreparedMessage> {
  const from = mailbox(envelope.from, 'from');
  const listId = listIdHeader(envelope.listId);
  const raw = await compose(digest, envelope, {
    html: isolateMarkers(digest.html),
    text: isolateMarkers(digest.text),
    to: PLACEHOLDER_TO,
    messageId: '<placeholder@placeholder.invalid>',
    date: new Date(0),
    listUnsubscribe: listUnsubscribe(PLACEHOLDER_LINKS),
  });
  const message = raw.toString('latin1');
  const split = message.indexOf('\r\n\r\n');
  if (split < 0) throw new MimeSpliceError('the composed message has no body');
  const head = keepSharedFields(message.slice(0, split + 2));
  const encodedBody = message.slice(split + 4);

  const htmlStart = encodedBody.search(/\r\nContent-Type: text\/html/i);
  const body: BodyPiece[] = [];
  const pattern = /\r\n(%%TIDINGS_SLOT_[A-Z_]+%%)\r\n/g;
  let at = 0;
  let found = 0;
  for (const match of encodedBody.matchAll(pattern)) {
    const slot = slotOfMarker(match[1] ?? '');
    if (!slot) continue;
    body.push(roomForSoftBreak(encodedBody.slice(at, match.index)));
    body.push({ slot, part: htmlStart >= 0 && match.index > htmlStart ? 'html' : 'text' });
    at = match.index + match[0].length;
    found++;
  }
  body.push(encodedBody.slice(at));
  const expected = countMarkers(digest.html) + countMarkers(digest.text);
  if (found !== expected) {
    throw new MimeSpliceError(`found ${found} of ${expected} slots in the encoded message`);
  }
  return {
    version: 1,
    issueId: envelope.issueId,
    publication: publicationOf(digest, envelope, listId.name),
    domain: from.address.slice(from.address.lastIndexOf('@') + 1),
    head,
    body,
  };
}

/** Drops the per-recipient fields from a header block, keeping each other field with its folding. */
function keepSharedFields(block: string): string {
  const fields: string[] = [];
  for (const line of block.split('\r\n')) {
    if (line === '') continue;
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1] += `\r\n${line}`;
    else fields.push(line);
  }
  return fields
    .filter((field) => !PER_RECIPIENT_FIELDS.has(field.slice(0, field.indexOf(':')).trim().toLowerCase()))
    .map((field) => `${field}\r\n`)
    .join('');
}

// ---------------------------------------------------------------- personalise per recipient

/** QP-encodes a value as whole lines between two soft breaks; decodes to exactly the value. */
function qpSegment(value: string): string {
  if (value === '') return '=\r\n';
  const encoded = quotedPrintable(Buffer.from(value, 'utf8'))
    // A space or tab at the very end of the value is followed by our soft break, which is fine;
    // any line break inside a value is encoded so it cannot end a line.
    .replace(/\r/g, '=0D')
    .replace(/\n/g, '=0A');
  const lines: string[] = [];
  let line = '';
  for (let i = 0; i < encoded.length; ) {
    const unit = encoded[i] === '=' ? encoded.slice(i, i + 3) : (encoded[i] ?? '');
    if (line.length + unit.length > QP_LINE - 1) {
      lines.push(line);
      line = '';
    }
    line += unit;
    i += unit.length;
  }
  lines.push(line);
  return `=\r\n${lines.join('=\r\n')}=\r\n`;
}

/** Static pieces as bytes, made once per prepared message and worker. */
const pieceCache = new WeakMap<PreparedMessage, (Buffer | SlotPiece)[]>();

function cachedPieces(prepared: PreparedMessage): (Buffer | SlotPiece)[] {
  let pieces = pieceCache.get(prepared);
  if (!pieces) {
    pieces = prepared.body.map((piece) => (typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece));
    pieceCache.set(prepared, pieces);
  }
  return pieces;
}

/**
 * The `To:` field as the composer writes it (encoded words, punycode, quoting, folding at 76),
 * by the reader emails' writer: about 2 µs a reader.
 */
export function toField(name: string | undefined, address: string): string {
  return toFieldLine({ name: name ?? '', address });
}

/**
 * One recipient's raw RFC 5322 message from a prepared issue: their values spliced into the
 * encoded body, their header fields written. Microseconds, not an MJML compile.
 * Throws {@link HeaderValueError} for an address or link that cannot go into a header.
 */
export function personalize(
  prepared: PreparedMessage,
  recipient: RecipientLinks,
  options: { messageId?: string; date?: Date } = {},
): Uint8Array {
  const checked = checkRecipient(recipient);
  const values: SlotValues = recipientSlotValues(prepared.publication, checked);
  const encoded = new Map<string, Buffer>();
  const segment = (slot: SlotName, part: 'html' | 'text'): Buffer => {
    const key = `${part}:${slot}`;
    let bytes = encoded.get(key);
    if (!bytes) {
      const value = part === 'html' ? escapeHtml(values[slot]) : values[slot];
      bytes = Buffer.from(qpSegment(value), 'latin1');
      encoded.set(key, bytes);
    }
    return bytes;
  };
  const messageId = options.messageId ?? messageIdFor(prepared.issueId, prepared.domain);
  const own =
    `${toField(checked.name, checked.email)}\r\n` +
    `Message-ID: ${messageIdValue(messageId)}\r\n` +
    `Date: ${dateValue(options.date ?? new Date())}\r\n` +
    `List-Unsubscribe: <${checked.unsubscribeUrl}>,\r\n <${checked.unsubscribeMailto}>\r\n`;
  const chunks: Buffer[] = [Buffer.from(`${own}${prepared.head}\r\n`, 'latin1')];
  for (const piece of cachedPieces(prepared)) {
    chunks.push(Buffer.isBuffer(piece) ? piece : segment(piece.slot, piece.part));
  }
  return Buffer.concat(chunks);
}

/** The slot names a prepared message carries, for checks. */
export function preparedSlots(prepared: PreparedMessage): SlotName[] {
  const slots = new Set<SlotName>();
  for (const piece of prepared.body) if (typeof piece !== 'string') slots.add(piece.slot);
  return SLOT_NAMES.filter((name) => slots.has(name));
}
