import type { TidingsConfig } from './config.js';
import { ISSUE_ID_PATTERN } from './edition.js';
import type { Clock, LedgerStore, SubscriberStore } from './ports.js';
import type { Subscriber } from './subscriber.js';
import { normalizeEmail } from './subscriber.js';
import * as z from './zod.js';

/**
 * Feedback from SES: event publishing (sends, bounces, complaints, deliveries of the
 * configuration set) and receipt notifications (mail to the `mailto:` unsubscribe address), both
 * delivered through SNS. Everything is validated here; shapes we do not know are reported and left
 * alone. Locally the SES stand-in's side emits the same Send events into this code.
 */

/** The SES message tag that names a digest's issue (`mail.tags.issue` in SES's events). */
export const ISSUE_TAG = 'issue';

/**
 * A value SES accepts as a message tag value: letters, digits, `_` and `-` only, at most 256
 * characters (https://docs.aws.amazon.com/ses/latest/APIReference/API_MessageTag.html). Issue ids
 * are made of those already; anything else becomes `_`, which no issue id contains, so a mangled
 * value never names another issue.
 */
export function sesTagValue(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256);
}

/** The SES event shapes this module reads. */
function buildEventSchemas() {
  const address = z.string().check(z.minLength(3), z.maxLength(320));
  /** Between 1 and `max` of them. */
  const some = <T extends z.ZodMiniType>(item: T, max: number) =>
    z.array(item).check(z.minLength(1), z.maxLength(max));

  const BounceSchema = z.object({
    bounceType: z.enum(['Undetermined', 'Permanent', 'Transient']),
    bounceSubType: z.optional(z.string()),
    bouncedRecipients: some(z.object({ emailAddress: address }), 100),
  });
  const ComplaintSchema = z.object({
    complainedRecipients: some(z.object({ emailAddress: address }), 100),
  });
  const DeliverySchema = z.object({ recipients: some(address, 100) });
  /**
   * A Send event: SES accepted the message and will try to deliver it
   * (https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html).
   * `mail.destination` is the envelope's recipients; `mail.tags` the message tags, each a list.
   */
  const tagText = z.string().check(z.maxLength(256));
  const SendEvent = z.object({
    eventType: z.literal('Send'),
    mail: z.object({
      messageId: z.string().check(z.minLength(1), z.maxLength(200)),
      timestamp: z.string().check(z.maxLength(40)),
      destination: some(address, 50),
      tags: z.optional(z.record(tagText, z.array(tagText).check(z.maxLength(10)))),
    }),
  });

  /** Configuration-set event publishing uses `eventType`; identity notifications use `notificationType`. */
  const kind = (name: string) =>
    z.union([z.object({ eventType: z.literal(name) }), z.object({ notificationType: z.literal(name) })]);

  const BounceEvent = z.intersection(kind('Bounce'), z.object({ bounce: BounceSchema }));
  const ComplaintEvent = z.intersection(kind('Complaint'), z.object({ complaint: ComplaintSchema }));
  const DeliveryEvent = z.intersection(kind('Delivery'), z.object({ delivery: DeliverySchema }));
  const Verdict = z.optional(z.object({ status: z.string().check(z.maxLength(40)) }));
  const ReceivedEvent = z.object({
    notificationType: z.literal('Received'),
    receipt: z.object({
      recipients: some(address, 50),
      spfVerdict: Verdict,
      dkimVerdict: Verdict,
    }),
    mail: z.object({
      source: z.optional(address),
      commonHeaders: z.optional(z.object({ from: some(z.string().check(z.maxLength(1000)), 10) })),
    }),
  });
  return { SendEvent, BounceEvent, ComplaintEvent, DeliveryEvent, ReceivedEvent };
}

let eventSchemas: ReturnType<typeof buildEventSchemas> | undefined;

export type FeedbackEvent =
  /** SES took the message (`issueId` from its `issue` tag; absent for mail that is not a digest). */
  | { kind: 'send'; messageId: string; sentAt: string; recipients: string[]; issueId?: string }
  | { kind: 'bounce'; permanent: boolean; recipients: string[] }
  | { kind: 'complaint'; recipients: string[] }
  | { kind: 'delivery'; recipients: string[] }
  /** `authenticated`: SES found the sender's SPF or DKIM to pass, so the From address is not forged. */
  | { kind: 'unsubscribe-mail'; to: string[]; from: string; authenticated: boolean };

/** Reads one SNS message body (already JSON-parsed); undefined for a shape we do not handle. */
export function parseFeedback(message: unknown): FeedbackEvent | undefined {
  // Built on the first message: the send function and the API import this module for its tag
  // helpers and never parse feedback, so their cold starts do not build these.
  eventSchemas ??= buildEventSchemas();
  const { SendEvent, BounceEvent, ComplaintEvent, DeliveryEvent, ReceivedEvent } = eventSchemas;
  const send = SendEvent.safeParse(message);
  if (send.success) {
    const { mail } = send.data;
    const issueId = mail.tags?.[ISSUE_TAG]?.[0];
    return {
      kind: 'send',
      messageId: mail.messageId,
      sentAt: mail.timestamp,
      recipients: mail.destination,
      ...(issueId && ISSUE_ID_PATTERN.test(issueId) ? { issueId } : {}),
    };
  }
  const bounce = BounceEvent.safeParse(message);
  if (bounce.success) {
    return {
      kind: 'bounce',
      permanent: bounce.data.bounce.bounceType === 'Permanent',
      recipients: bounce.data.bounce.bouncedRecipients.map((r) => r.emailAddress),
    };
  }
  const complaint = ComplaintEvent.safeParse(message);
  if (complaint.success) {
    return {
      kind: 'complaint',
      recipients: complaint.data.complaint.complainedRecipients.map((r) => r.emailAddress),
    };
  }
  const delivery = DeliveryEvent.safeParse(message);
  if (delivery.success) return { kind: 'delivery', recipients: delivery.data.delivery.recipients };
  const received = ReceivedEvent.safeParse(message);
  if (received.success) {
    const from = received.data.mail.commonHeaders?.from[0] ?? received.data.mail.source;
    if (!from) return undefined;
    const { spfVerdict, dkimVerdict } = received.data.receipt;
    const authenticated = spfVerdict?.status === 'PASS' || dkimVerdict?.status === 'PASS';
    return { kind: 'unsubscribe-mail', to: received.data.receipt.recipients, from, authenticated };
  }
  return undefined;
}

/** The bare address of a header value such as `"Ada" <ada@example.com>`. */
export function bareAddress(value: string): string {
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(value);
  return normalizeEmail(angle?.[1] ?? value);
}

export interface FeedbackDeps {
  config: TidingsConfig;
  subscribers: Pick<SubscriberStore, 'get' | 'save'>;
  clock: Clock;
  /**
   * Checks the local part of a `mailto:` unsubscribe address (`unsubscribe+<token>`) against the
   * sender; the tokens module's `verifyMailtoUnsubscribe` bound to the keyring.
   */
  verifyMailto(localPart: string, from: string): { email: string; edition: string } | undefined;
  /** The send ledger, which Send events settle; without it Send events are ignored. */
  ledger?: Pick<LedgerStore, 'settleFromSendEvent'>;
}

export type FeedbackAction =
  | {
      email: string;
      action: 'bounced' | 'complained' | 'transient-bounce' | 'delivered' | 'unsubscribed' | 'sent-recorded';
    }
  | { email: string; action: 'ignored'; reason: string };

/** Applies one event to the subscribers it names. */
export async function applyFeedback(deps: FeedbackDeps, event: FeedbackEvent): Promise<FeedbackAction[]> {
  if (event.kind === 'unsubscribe-mail') return [await unsubscribeByMail(deps, event)];
  if (event.kind === 'send') return recordSend(deps, event);
  const actions: FeedbackAction[] = [];
  for (const raw of event.recipients) {
    const email = bareAddress(raw);
    const subscriber = await deps.subscribers.get(email);
    if (!subscriber) {
      actions.push({ email, action: 'ignored', reason: 'not a subscriber' });
      continue;
    }
    const next = nextState(deps, subscriber, event);
    if (next === undefined) {
      actions.push({ email, action: 'ignored', reason: 'nothing to change' });
      continue;
    }
    await deps.subscribers.save(next.subscriber);
    actions.push({ email, action: next.action });
  }
  return actions;
}

/**
 * A Send event settles the reader's ledger row: a `claimed` row (its sender died between SES and
 * its own write, or has not written yet) or an `unknown` one becomes `sent` with SES's message id.
 * Any other row stays as it is (a `sent` row already says so).
 */
async function recordSend(
  deps: FeedbackDeps,
  event: Extract<FeedbackEvent, { kind: 'send' }>,
): Promise<FeedbackAction[]> {
  const actions: FeedbackAction[] = [];
  for (const raw of event.recipients) {
    const email = bareAddress(raw);
    if (!event.issueId || !deps.ledger) {
      actions.push({ email, action: 'ignored', reason: 'not a digest (no issue tag)' });
      continue;
    }
    const at = deps.clock.now().toISOString();
    const settled = await deps.ledger.settleFromSendEvent(event.issueId, email, {
      messageId: event.messageId,
      sentAt: event.sentAt,
      at,
    });
    actions.push(
      settled
        ? { email, action: 'sent-recorded' }
        : { email, action: 'ignored', reason: 'ledger row already settled' },
    );
  }
  return actions;
}

function nextState(
  deps: FeedbackDeps,
  subscriber: Subscriber,
  event: Exclude<FeedbackEvent, { kind: 'unsubscribe-mail' | 'send' }>,
):
  | { subscriber: Subscriber; action: 'bounced' | 'complained' | 'transient-bounce' | 'delivered' }
  | undefined {
  const updatedAt = deps.clock.now().toISOString();
  // A complaint always wins; a bounce does not overwrite a complaint or a reader's own unsubscribe.
  if (event.kind === 'complaint') {
    if (subscriber.status === 'complained') return undefined;
    return {
      subscriber: { ...subscriber, status: 'complained', statusReason: 'complaint', updatedAt },
      action: 'complained',
    };
  }
  if (event.kind === 'delivery') {
    if (!subscriber.transientBounces) return undefined;
    const { transientBounces: _reset, ...rest } = subscriber;
    return { subscriber: { ...rest, updatedAt }, action: 'delivered' };
  }
  if (subscriber.status !== 'active' && subscriber.status !== 'pending') return undefined;
  if (event.permanent) {
    return {
      subscriber: { ...subscriber, status: 'bounced', statusReason: 'hard bounce', updatedAt },
      action: 'bounced',
    };
  }
  const count = (subscriber.transientBounces ?? 0) + 1;
  if (count >= deps.config.ses.transientBounceLimit) {
    return {
      subscriber: {
        ...subscriber,
        status: 'bounced',
        transientBounces: count,
        statusReason: `${count} transient bounces in a row`,
        updatedAt,
      },
      action: 'bounced',
    };
  }
  return { subscriber: { ...subscriber, transientBounces: count, updatedAt }, action: 'transient-bounce' };
}

async function unsubscribeByMail(
  deps: FeedbackDeps,
  event: Extract<FeedbackEvent, { kind: 'unsubscribe-mail' }>,
): Promise<FeedbackAction> {
  const from = bareAddress(event.from);
  if (!event.authenticated)
    return { email: from, action: 'ignored', reason: 'sender not authenticated (SPF and DKIM failed)' };
  const domain = deps.config.sender.domain.toLowerCase();
  for (const to of event.to) {
    const address = bareAddress(to);
    const at = address.lastIndexOf('@');
    if (at < 0 || address.slice(at + 1) !== domain) continue;
    const localPart = address.slice(0, at);
    if (!localPart.startsWith('unsubscribe+')) continue;
    const verified = deps.verifyMailto(localPart, from);
    if (!verified) return { email: from, action: 'ignored', reason: 'token does not verify for this sender' };
    const subscriber = await deps.subscribers.get(normalizeEmail(verified.email));
    if (!subscriber) return { email: verified.email, action: 'ignored', reason: 'not a subscriber' };
    if (!subscriber.editions.includes(verified.edition)) {
      return { email: subscriber.email, action: 'ignored', reason: 'already left that edition' };
    }
    const editions = subscriber.editions.filter((e) => e !== verified.edition);
    const leaving = editions.length === 0 && subscriber.status === 'active';
    await deps.subscribers.save({
      ...subscriber,
      editions,
      ...(leaving ? { status: 'unsubscribed' as const, statusReason: 'unsubscribed by email' } : {}),
      updatedAt: deps.clock.now().toISOString(),
    });
    return { email: subscriber.email, action: 'unsubscribed' };
  }
  return { email: from, action: 'ignored', reason: 'no unsubscribe address among the recipients' };
}
