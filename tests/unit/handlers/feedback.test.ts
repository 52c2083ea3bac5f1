import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { feedbackEventHandler } from '../../../lambdas/adapters/events/feedback.js';
import type { FeedbackAction } from '../../../lambdas/core/feedback.js';
import { parseKeyring, readerLinks, verifyMailtoUnsubscribe } from '../../../lambdas/core/tokens.js';
import { subscriber } from '../../support/fakes/delivery.js';
import { MemorySubscriberStore } from '../../support/fakes/subscriber-store.js';
import { testConfig } from '../../support/stack.js';

let handler: (event: unknown) => Promise<{ actions: FeedbackAction[]; ignored: number }>;
const store = new MemorySubscriberStore();
const keyring = parseKeyring(
  JSON.stringify({ active: 'k1', keys: [{ id: 'k1', secret: randomBytes(32).toString('base64') }] }),
);
let config: Awaited<ReturnType<typeof testConfig>>;

const sns = (message: unknown) => ({
  Records: [{ EventSource: 'aws:sns', Sns: { Message: JSON.stringify(message), Type: 'Notification' } }],
});

beforeAll(async () => {
  config = await testConfig();
  for (const name of ['bounce', 'complain', 'leave', 'soft'])
    await store.save(subscriber(`${name}@example.com`, ['dc', 'sg']));
  handler = feedbackEventHandler({
    feedback: {
      config,
      subscribers: store,
      clock: { now: () => new Date() },
      verifyMailto: (localPart, from) => verifyMailtoUnsubscribe(keyring, localPart, from),
    },
    log: () => undefined,
  });
});

describe('feedback handler', () => {
  it('marks a hard bounce from event publishing (through SNS) bounced', async () => {
    const result = await handler(
      sns({
        eventType: 'Bounce',
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: 'General',
          bouncedRecipients: [{ emailAddress: 'bounce@example.com' }],
        },
        mail: { messageId: 'x' },
      }),
    );
    expect(result.actions).toEqual([{ email: 'bounce@example.com', action: 'bounced' }]);
    expect((await store.get('bounce@example.com'))?.status).toBe('bounced');
    expect(await store.isSuppressed('bounce@example.com')).toBe(true);
  });

  it('marks a complaint complained', async () => {
    await handler(
      sns({
        eventType: 'Complaint',
        complaint: { complainedRecipients: [{ emailAddress: 'complain@example.com' }] },
      }),
    );
    expect((await store.get('complain@example.com'))?.status).toBe('complained');
  });

  it('counts a transient bounce without suppressing', async () => {
    await handler(
      sns({
        eventType: 'Bounce',
        bounce: { bounceType: 'Transient', bouncedRecipients: [{ emailAddress: 'soft@example.com' }] },
      }),
    );
    expect(await store.get('soft@example.com')).toMatchObject({ status: 'active', transientBounces: 1 });
  });

  it('unsubscribes from one edition on mail to the address from the receipt rule', async () => {
    const mailto = readerLinks(keyring, {
      baseUrl: config.baseUrl,
      mailDomain: config.sender.domain,
      email: 'leave@example.com',
      edition: 'dc',
    }).unsubscribeMailto.slice('mailto:'.length);
    const result = await handler({
      Records: [
        {
          eventSource: 'aws:ses',
          ses: {
            mail: {
              source: 'leave@example.com',
              commonHeaders: { from: ['Leaving Reader <leave@example.com>'] },
            },
            receipt: {
              recipients: [mailto],
              spfVerdict: { status: 'PASS' },
              dkimVerdict: { status: 'GRAY' },
            },
          },
        },
      ],
    });
    expect(result.actions).toEqual([{ email: 'leave@example.com', action: 'unsubscribed' }]);
    expect(await store.get('leave@example.com')).toMatchObject({ status: 'active', editions: ['sg'] });
  });

  it.each([
    ['null', null],
    ['no records', {}],
    ['a record of another service', { Records: [{ eventSource: 'aws:s3', s3: {} }] }],
    ['an SNS message that is not JSON', { Records: [{ Sns: { Message: '{bounce' } }] }],
    ['an SNS message of an unknown event', sns({ eventType: 'Open', open: {} })],
    [
      'a bounce with a hostile recipient list',
      sns({ eventType: 'Bounce', bounce: { bounceType: 'Permanent', bouncedRecipients: 'all' } }),
    ],
  ])('drops %s without failing', async (_name, event) => {
    const result = await handler(event);
    expect(result.actions).toEqual([]);
    expect(result.ignored).toBeGreaterThanOrEqual(1);
  });
});
