import { CONFIRMATION_HTML } from '../../templates/compiled/confirmation.js';
import type { TidingsConfig } from '../core/config.js';
import { displayName, escapeHtml, joinEditionNames, postalLine, truncate, wrapText } from '../core/digest.js';
import type { OutgoingMessage } from '../core/ports.js';
import type { ConfirmationEmail, ConfirmationMessage } from '../core/subscriptions/index.js';
import { cleanSingleLine } from '../core/text-rules.js';
import { MONTH_NAMES, twelveHourClock } from '../core/written-time.js';
import { HeaderValueError, headerText, headerToken } from './header-values.js';
import { writeReaderMessage } from './reader-mime.js';

/**
 * The double opt-in email, from `templates/confirmation.mjml` compiled at build time
 * (`npm run build:templates`), so the API function carries no MJML compiler: the compiled HTML
 * has `%%TIDINGS_CONFIRM_…%%` markers that are filled here, each value escaped for HTML.
 */

const MARKER = /%%TIDINGS_CONFIRM_([A-Z]+)%%/g;

type Field =
  | 'SUBJECT'
  | 'PREHEADER'
  | 'SENDER'
  | 'GREETING'
  | 'EDITIONS'
  | 'EMAIL'
  | 'URL'
  | 'EXPIRES'
  | 'POSTAL';

/** Fills the compiled confirmation HTML in one pass (values are never re-scanned), escaping each value. */
export function fillConfirmationHtml(values: Record<Field, string>, template = CONFIRMATION_HTML): string {
  return template.replace(MARKER, (marker, field: string) =>
    field in values ? escapeHtml(values[field as Field]) : marker,
  );
}

/**
 * "December 7, 2026 at 10:00 AM UTC": the link's expiry in UTC, written by hand as
 * `Intl.DateTimeFormat('en-US')` writes it (month, day, year, 12-hour time, the zone), so that the
 * API's first confirmation does not load ICU's date formatting (about 20 ms of its cold start)
 * and the wording does not follow the runtime's ICU version.
 */
export function expiryLabel(date: Date): string {
  const clock = twelveHourClock(date.getUTCHours(), date.getUTCMinutes());
  return `${MONTH_NAMES[date.getUTCMonth()]} ${date.getUTCDate()}, ${date.getUTCFullYear()} at ${clock} UTC`;
}

/** The confirmation email built from the precompiled MJML template; implements the subscriptions port. */
export class TemplateConfirmationEmail implements ConfirmationEmail {
  constructor(private readonly config: TidingsConfig) {}

  /** Subject, html and text of one confirmation email, without MIME. */
  content(message: ConfirmationMessage): { subject: string; html: string; text: string } {
    const url = headerToken(message.confirmUrl, 'confirmation URL');
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      throw new HeaderValueError('confirmation URL must be an absolute http(s) URL');
    }
    const sender = cleanSingleLine(this.config.sender.name);
    const editions = joinEditionNames(sender, message.editions);
    const name = displayName(message.name);
    const values: Record<Field, string> = {
      SUBJECT: truncate(`Confirm your subscription to ${editions}`, 110),
      PREHEADER: `One click to start receiving ${editions}.`,
      SENDER: sender,
      GREETING: name ? `Hello ${name},` : 'Hello,',
      EDITIONS: editions,
      EMAIL: cleanSingleLine(message.to),
      URL: url,
      EXPIRES: expiryLabel(message.expiresAt),
      // Names the publisher once: the postal address as given when it starts with the sender's name.
      POSTAL: postalLine(sender, this.config.postalAddress),
    };
    // Wrapped at 72 columns like the digest's text part; the link keeps a line of its own.
    const text = [
      ...wrapText(values.SUBJECT),
      '',
      values.GREETING,
      '',
      ...wrapText(`Someone, hopefully you, asked for ${editions} to be sent to ${values.EMAIL}.`),
      'Open this link and press Confirm on the page it opens:',
      '',
      url,
      '',
      ...wrapText(
        `The link works until ${values.EXPIRES}. If you did not ask for this, ignore this email: nothing will be sent.`,
      ),
      '',
      ...wrapText(values.POSTAL),
      '',
    ].join('\n');
    return { subject: values.SUBJECT, html: fillConfirmationHtml(values), text };
  }

  async compose(message: ConfirmationMessage): Promise<OutgoingMessage> {
    const { subject, html, text } = this.content(message);
    const to = headerToken(message.to, 'recipient email');
    const raw = composeReaderEmail(this.config, { to, name: message.name, subject, html, text });
    return { raw, from: this.config.sender.address, to, folder: 'confirmations' };
  }
}

/**
 * One message to one reader, composed whole (the confirmation, the welcome): from the sender,
 * html and plain-text parts in quoted-printable, the reader's name if any, extra header fields.
 * Written by `reader-mime.ts` in one pass, so the API function carries no MIME library.
 */
export function composeReaderEmail(
  config: Pick<TidingsConfig, 'sender'>,
  parts: {
    to: string;
    name?: string | undefined;
    subject: string;
    html: string;
    text: string;
    headers?: Record<string, string>;
  },
): Uint8Array {
  const { sender } = config;
  return writeReaderMessage({
    from: { name: headerText(sender.name), address: sender.address },
    to: { name: displayName(parts.name), address: headerToken(parts.to, 'recipient email') },
    replyTo: sender.replyTo,
    subject: headerText(parts.subject),
    headers: parts.headers,
    text: parts.text,
    html: parts.html,
  });
}
