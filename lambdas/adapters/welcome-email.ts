import { randomUUID } from 'node:crypto';
import { WELCOME_HTML } from '../../templates/compiled/welcome.js';
import { joinNames } from '../core/brief.js';
import type { TidingsConfig } from '../core/config.js';
import { displayName, escapeHtml, postalLine, sentence, truncate, wrapText } from '../core/digest.js';
import type { OutgoingMessage } from '../core/ports.js';
import type { Rhythm } from '../core/subscriber.js';
import { cleanParagraph, cleanSingleLine } from '../core/text-rules.js';
import {
  WELCOME_FOLDER,
  type Welcome,
  type WelcomeDeps,
  type WelcomeEdition,
  type WelcomeEmail,
  type WelcomeMessage,
  welcomePort,
} from '../core/welcome.js';
import { composeReaderEmail } from './confirmation-email.js';
import { HeaderValueError, headerToken } from './header-values.js';

/**
 * The welcome email, from `templates/welcome.mjml` compiled at build time (`npm run
 * build:templates`), so the API function carries no MJML compiler. The compiled HTML has
 * `%%TIDINGS_WELCOME_…%%` markers filled here in one pass: every value is escaped for HTML, but
 * for the editions block, which is markup built here from escaped values.
 */

const MARKER = /%%TIDINGS_WELCOME_([A-Z]+)%%/g;

type Field =
  | 'SUBJECT'
  | 'PREHEADER'
  | 'SENDER'
  | 'HEADING'
  | 'GREETING'
  | 'CHOICES'
  | 'EDITIONS'
  | 'EMAIL'
  | 'PREFERENCES'
  | 'UNSUBSCRIBE'
  | 'POSTAL';

/** The one field filled with markup; {@link editionsHtml} escapes every value in it. */
const MARKUP_FIELDS: ReadonlySet<string> = new Set(['EDITIONS']);

/** Fills the compiled welcome HTML in one pass (values are never re-scanned). */
export function fillWelcomeHtml(values: Record<Field, string>, template = WELCOME_HTML): string {
  return template.replace(MARKER, (marker, field: string) => {
    if (!(field in values)) return marker;
    const value = values[field as Field];
    return MARKUP_FIELDS.has(field) ? value : escapeHtml(value);
  });
}

const RHYTHM_WORDS: Readonly<Record<Rhythm, string>> = {
  daily: 'every issue',
  weekdays: 'the weekday issues (Monday to Friday)',
  weekly: 'the weekly roundup only',
};

function checkedUrl(value: string, field: string): string {
  const url = headerToken(value, field);
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new HeaderValueError(`${field} must be an absolute http(s) URL`);
  }
  return url;
}

/** One edition's block: its name, when it arrives, its latest issue and its own paragraph. */
function editionHtml(edition: WelcomeEdition): string {
  const latest = edition.latest
    ? `Latest issue: <a href="${escapeHtml(checkedUrl(edition.latest.url, 'latest issue URL'))}">${escapeHtml(cleanSingleLine(edition.latest.subject))}</a> (${escapeHtml(edition.latest.date)}).`
    : 'No issue has gone out yet: your first will be the next one.';
  const text = edition.welcomeText
    ? `<p class="note">${escapeHtml(cleanParagraph(edition.welcomeText))}</p>`
    : '';
  return [
    '<div class="edition">',
    `<h2>${escapeHtml(edition.publication)}</h2>`,
    `<p>Arrives ${escapeHtml(edition.arrives)}.</p>`,
    `<p>${latest}</p>`,
    text,
    '</div>',
  ].join('');
}

/** The plain-text lines of one edition's block, wrapped at 72 columns. */
function editionText(edition: WelcomeEdition): string[] {
  const latest = edition.latest
    ? [
        ...wrapText(`Latest issue: ${cleanSingleLine(edition.latest.subject)} (${edition.latest.date}):`),
        edition.latest.url,
      ]
    : wrapText('No issue has gone out yet: your first will be the next one.');
  return [
    edition.publication,
    ...wrapText(`Arrives ${edition.arrives}.`),
    ...latest,
    ...(edition.welcomeText ? ['', ...wrapText(cleanParagraph(edition.welcomeText))] : []),
    '',
  ];
}

/** The welcome email built from the precompiled MJML template; implements the core's port. */
export class TemplateWelcomeEmail implements WelcomeEmail {
  constructor(private readonly config: TidingsConfig) {}

  /** Subject, html and text of one welcome email, without MIME. */
  content(message: WelcomeMessage): { subject: string; html: string; text: string } {
    const preferences = checkedUrl(message.preferencesUrl, 'preferences URL');
    const unsubscribe = checkedUrl(message.unsubscribeUrl, 'unsubscribe URL');
    const sender = cleanSingleLine(this.config.sender.name);
    const names = joinNames(message.editions.map((e) => e.publication));
    const name = displayName(message.name);
    const zone = message.timeZone ? `, times shown in your zone, ${message.timeZone}` : '';
    const values: Record<Field, string> = {
      SUBJECT: truncate(`Welcome to ${names}`, 110),
      PREHEADER: `You are subscribed: here is when ${names} will reach you.`,
      SENDER: sender,
      HEADING: `Welcome to ${names}`,
      GREETING: name ? `Hello ${name},` : 'Hello,',
      CHOICES: sentence(
        `Your subscription is confirmed. You chose ${names}, ${RHYTHM_WORDS[message.rhythm]}${zone}`,
      ),
      EDITIONS: message.editions.map(editionHtml).join(''),
      EMAIL: cleanSingleLine(message.to),
      PREFERENCES: preferences,
      UNSUBSCRIBE: unsubscribe,
      // Names the publisher once: the postal address as given when it starts with the sender's name.
      POSTAL: postalLine(sender, this.config.postalAddress),
    };
    const text = [
      ...wrapText(values.HEADING),
      '',
      values.GREETING,
      '',
      ...wrapText(values.CHOICES),
      '',
      ...message.editions.flatMap(editionText),
      'Change your editions, rhythm or time zone:',
      preferences,
      '',
      'Unsubscribe:',
      unsubscribe,
      '',
      ...wrapText(`You get this because you confirmed your subscription with ${values.EMAIL}.`),
      ...wrapText(values.POSTAL),
      '',
    ].join('\n');
    return { subject: values.SUBJECT, html: fillWelcomeHtml(values), text };
  }

  async compose(message: WelcomeMessage): Promise<OutgoingMessage> {
    const { subject, html, text } = this.content(message);
    const to = headerToken(message.to, 'recipient email');
    // As every digest: one-click unsubscribe (RFC 8058), and the mailto: address when there is one.
    const mailto = message.unsubscribeMailto
      ? `, <${headerToken(message.unsubscribeMailto, 'unsubscribe mailto')}>`
      : '';
    const raw = composeReaderEmail(this.config, {
      to,
      name: message.name,
      subject,
      html,
      text,
      headers: {
        'List-Unsubscribe': `<${checkedUrl(message.unsubscribeUrl, 'unsubscribe URL')}>${mailto}`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    });
    return { raw, from: this.config.sender.address, to, folder: WELCOME_FOLDER };
  }
}

/**
 * The welcome as the API wires it (the Lambda and the local API alike): this template, random
 * claim tokens, and a log that hears each outcome without the reader's address.
 */
export function templateWelcome(
  deps: Omit<WelcomeDeps, 'email' | 'newToken'>,
  log?: (event: string, detail: Record<string, unknown>) => void,
): Welcome {
  return welcomePort({ ...deps, email: new TemplateWelcomeEmail(deps.config), newToken: randomUUID }, log);
}
