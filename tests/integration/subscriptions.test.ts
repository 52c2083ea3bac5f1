import { readFile } from 'node:fs/promises';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TemplateConfirmationEmail } from '../../lambdas/adapters/confirmation-email.js';
import { DynamoSubscriberStore } from '../../lambdas/adapters/dynamo-subscriber-store.js';
import { BackgroundTasks, createApp } from '../../lambdas/adapters/http/app.js';
import { loadKeyringFile } from '../../lambdas/adapters/secret-keyring.js';
import { SUBSCRIBER_SHARDS, systemClock } from '../../lambdas/core/ports.js';
import { type Keyring, readerLinks } from '../../lambdas/core/tokens.js';
import { type SesStoreEmail, startTestStack, type TestStack } from '../support/stack.js';

/** The reader's whole path on the local stack: real SDK clients, dynalite and the SES stand-in. */
describe('subscriptions on the local stack', () => {
  let stack: TestStack;
  let store: DynamoSubscriberStore;
  let keyring: Keyring;
  let tasks: BackgroundTasks;
  let app: ReturnType<typeof createApp>;
  const failures: unknown[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    store = new DynamoSubscriberStore(stack.doc, stack.tables.subscribers);
    keyring = await loadKeyringFile(stack.secretPath);
    tasks = new BackgroundTasks((error) => {
      failures.push(error);
    });
    app = createApp({
      config: { ...stack.config, api: { ...stack.config.api, rateLimitPerMinute: 0 } },
      subscribers: store,
      keyring,
      mailer: stack.mailer,
      clock: systemClock,
      confirmationEmail: new TemplateConfirmationEmail(stack.config),
      tasks,
      clientAddress: () => '192.0.2.44',
    });
  });

  beforeEach(async () => {
    await stack.clearInbox();
  });

  afterAll(async () => {
    expect(failures).toEqual([]);
    await stack.close();
  });

  async function table(): Promise<string> {
    const { Items } = await stack.doc.send(
      new ScanCommand({ TableName: stack.tables.subscribers, ConsistentRead: true }),
    );
    return JSON.stringify((Items ?? []).sort((a, b) => `${a.pk}${a.sk}`.localeCompare(`${b.pk}${b.sk}`)));
  }

  /** The SES stand-in lists recipients as written in the To header, e.g. `"Ada" <ada@example.com>`. */
  function sentTo(mail: SesStoreEmail, email: string): boolean {
    return mail.destination.to.some((to) => to === email || to.endsWith(`<${email}>`));
  }

  async function confirmationLink(email: string): Promise<string> {
    const mail = (await stack.inbox()).filter((m) => sentTo(m, email)).at(-1);
    const match = /https?:\/\/[^\s"<>]+\/confirm\?token=[A-Za-z0-9._%-]+/.exec(mail?.body.text ?? '');
    if (!match) throw new Error(`no confirmation link mailed to ${email}`);
    return match[0];
  }

  function path(url: string): string {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  }

  async function activeIn(edition: string): Promise<string[]> {
    const pages = await Promise.all(
      Array.from({ length: SUBSCRIBER_SHARDS }, (_, s) => store.listActive(edition, s)),
    );
    return pages.flatMap((p) => p.items.map((r) => r.email)).sort();
  }

  it('subscribes, confirms through the mailed link, and lists the reader for delivery', async () => {
    const response = await app.request('/subscribe', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', editions: ['dc', 'sg'], name: 'Ada' }),
    });
    expect(response.status).toBe(202);
    await tasks.drain();
    expect(failures).toEqual([]);
    const link = await confirmationLink('ada@example.com');
    expect(await readFile(`${stack.home}/outbox/confirmations/ada@example.com.eml`, 'utf8')).toContain(
      'Subject:',
    );

    const before = await table();
    const page = await app.request(path(link));
    expect(page.status).toBe(200);
    expect(await table()).toBe(before);
    expect(await activeIn('dc')).not.toContain('ada@example.com');

    const confirmed = await app.request(path(link), { method: 'POST' });
    expect(confirmed.status).toBe(200);
    expect(await activeIn('dc')).toContain('ada@example.com');
    expect(await activeIn('sg')).toContain('ada@example.com');
    const stored = await store.get('ada@example.com');
    expect(stored?.consent).toMatchObject({ method: 'form' });
    expect(stored?.consent.confirmedAt).toBeDefined();
    expect(JSON.stringify(stored)).not.toContain('192.0.2.44');
  });

  it('unsubscribes one edition with a one-click POST to the List-Unsubscribe URL, and a GET changes nothing', async () => {
    const { unsubscribeUrl } = readerLinks(keyring, {
      baseUrl: stack.config.baseUrl,
      mailDomain: stack.config.sender.domain,
      email: 'ada@example.com',
      edition: 'dc',
    });
    const before = await table();
    expect((await app.request(path(unsubscribeUrl))).status).toBe(200);
    expect(await table()).toBe(before);
    const response = await app.request(path(unsubscribeUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(response.status).toBe(200);
    expect(await activeIn('dc')).not.toContain('ada@example.com');
    expect(await activeIn('sg')).toContain('ada@example.com');
  });

  it('answers a known and an unknown address identically and mails each address at most once per window', async () => {
    const ask = (email: string) =>
      app.request('/subscribe', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, editions: ['bxl'] }),
      });
    const known = await ask('ada@example.com');
    const unknown = await ask('nobody-yet@example.com');
    expect(known.status).toBe(unknown.status);
    expect(await known.text()).toBe(await unknown.text());
    const again = await ask('nobody-yet@example.com');
    expect(again.status).toBe(202);
    await tasks.drain();
    const inbox = await stack.inbox();
    expect(inbox.filter((m) => sentTo(m, 'nobody-yet@example.com'))).toHaveLength(1);
    // Ada was mailed a confirmation minutes ago: the request is recorded, the next window mails it.
    expect(inbox.filter((m) => sentTo(m, 'ada@example.com'))).toHaveLength(0);
    expect(await store.get('ada@example.com')).toMatchObject({ editions: ['sg'], pendingEditions: ['bxl'] });
  });

  it('sends one confirmation when the same new address is posted many times at once', async () => {
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        app.request('/subscribe', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'racer@example.com', editions: ['lagos'] }),
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(202));
    await tasks.drain();
    expect((await stack.inbox()).filter((m) => sentTo(m, 'racer@example.com'))).toHaveLength(1);
    expect(await store.get('racer@example.com')).toMatchObject({ status: 'pending', editions: ['lagos'] });
  });

  it('forgets a reader on the real table, after which the form mails nothing to a bounced address', async () => {
    const stored = await store.get('ada@example.com');
    if (!stored) throw new Error('missing');
    await store.save({ ...stored, status: 'bounced', statusReason: 'hard bounce' });
    expect(await store.forget('ada@example.com', new Date())).toBe(true);
    expect(await table()).not.toContain('ada@example.com');
    await stack.clearInbox();
    const response = await app.request('/subscribe', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', editions: ['dc'] }),
    });
    expect(response.status).toBe(202);
    await tasks.drain();
    expect(await stack.inbox()).toHaveLength(0);
    expect(await table()).not.toContain('ada@example.com');
  });
});
