import { z } from 'zod';
import type { TidingsConfig } from './config.js';
import type { Clock, SubscriberStore } from './ports.js';
import type { Subscriber } from './subscriber.js';
import { normalizeEmail } from './subscriber.js';

/**
 * Feedback from SES: event publishing (bounces, complaints, deliveries of the configuration set)
 * and receipt notifications (mail to the `mailto:` unsubscribe address), both delivered through
 * SNS. Everything is validated here; shapes we do not know are reported and left alone.
 */

const address = z.string().min(3).max(320);

const BounceSchema = z.object({
  bounceType: z.enum(['Undetermined', 'Permanent', 'Transient']),
  bounceSubType: z.string().optional(),
  bouncedRecipients: z
    .array(z.object({ emailAddress: address }))
    .min(1)
    .max(100),
});
const ComplaintSchema = z.object({
  complainedRecipients: z
    .array(z.object({ emailAddress: address }))
    .min(1)
    .max(100),
});
const DeliverySchema = z.object({ recipients: z.array(address).min(1).max(100) });

/** Configuration-set event publishing uses `eventType`; identity notifications use `notificationType`. */
const kind = (name: string) =>
  z.union([z.object({ eventType: z.literal(name) }), z.object({ notificationType: z.literal(name) })]);

const BounceEvent = z.intersection(kind('Bounce'), z.object({ bounce: BounceSchema }));
const ComplaintEvent = z.intersection(kind('Complaint'), z.object({ complaint: ComplaintSchema }));
const DeliveryEvent = z.intersection(kind('Delivery'), z.object({ delivery: DeliverySchema }));
const Verdict = z.object({ status: z.string().max(40) }).optional();
const ReceivedEvent = z.object({
  notificationType: z.literal('Received'),
  receipt: z.object({
    recipients: z.array(address).min(1).max(50),
    spfVerdict: Verdict,
    dkimVerdict: Verdict,
  }),
  mail: z.object({
    source: address.optional(),
    commonHeaders: z.object({ from: z.array(z.string().max(1000)).min(1).max(10) }).optional(),
  }),
});

export type FeedbackEvent =
  | { kind: 'bounce'; permanent: boolean; recipients: string[] }
  | { kind: 'complaint'; recipients: string[] }
  | { kind: 'delivery'; recipients: string[] }
  /** `authenticated`: SES found the sender's SPF or DKIM to pass, so the From address is not forged. */
  | { kind: 'unsubscribe-mail'; to: string[]; from: string; authenticated: boolean };

/** Reads one SNS message body (already JSON-parsed); undefined for a shape we do not handle. */
export function parseFeedback(message: unknown): FeedbackEvent | undefined {
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
}

export type FeedbackAction =
  | { email: string; action: 'bounced' | 'complained' | 'transient-bounce' | 'delivered' | 'unsubscribed' }
  | { email: string; action: 'ignored'; reason: string };

/** Applies one event to the subscribers it names. */
export async function applyFeedback(deps: FeedbackDeps, event: FeedbackEvent): Promise<FeedbackAction[]> {
  if (event.kind === 'unsubscribe-mail') return [await unsubscribeByMail(deps, event)];
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

function nextState(
  deps: FeedbackDeps,
  subscriber: Subscriber,
  event: Exclude<FeedbackEvent, { kind: 'unsubscribe-mail' }>,
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
