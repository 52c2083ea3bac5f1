import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../cli/local/api-server.js';
import { DynamoLedgerStore } from '../../lambdas/adapters/dynamo-ledger-store.js';
import { loadKeyringFile } from '../../lambdas/adapters/secret-keyring.js';
import { type Keyring, signToken } from '../../lambdas/core/tokens.js';
import { WELCOME_LEDGER_ID } from '../../lambdas/core/welcome.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * The welcome on the local stack, through the local API as `tidings dev` serves it: real SDK
 * clients, dynalite, the SES stand-in and the outbox.
 */
describe('welcome email on the local stack', () => {
  let stack: TestStack;
  let api: ApiServer;
  let keyring: Keyring;
  let ledger: DynamoLedgerStore;

  beforeAll(async () => {
    const { testConfig } = await import('../support/stack.js');
    const config = await testConfig();
    stack = await startTestStack({ config: { ...config, api: { ...config.api, rateLimitPerMinute: 0 } } });
    api = await startApiServer(stack, 0);
    keyring = await loadKeyringFile(stack.secretPath);
    ledger = new DynamoLedgerStore(stack.dynamo, stack.tables.ledger);
  });

  afterAll(async () => {
    await api?.close();
    await stack?.close();
  });

  const outbox = (folder: string): Promise<string[]> =>
    readdir(join(stack.home, 'outbox', folder)).catch(() => []);

  /** Subscribes through the API and returns the confirmation link mailed (the API mails it after answering). */
  async function subscribe(email: string, editions: string[]): Promise<string> {
    const response = await fetch(`${api.url}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, editions }),
    });
    expect(response.status).toBe(202);
    for (let wait = 0; wait < 200; wait++) {
      const mailed = await readFile(join(stack.home, 'outbox', 'confirmations', `${email}.eml`)).catch(
        () => undefined,
      );
      const link =
        mailed && (await simpleParser(mailed)).text?.match(/https?:\/\/\S+\/confirm\?token=\S+/)?.[0];
      if (link) return link.replace(/^https?:\/\/[^/]+/, api.url);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`no confirmation mailed to ${email}`);
  }

  /** A confirmation link as mailed (signed with the stack's own secret) for these editions. */
  function confirmUrl(email: string, editions: string[]): string {
    const now = new Date();
    const token = signToken(keyring, {
      purpose: 'confirm',
      email,
      editions,
      issuedAt: now,
      expiresAt: new Date(now.getTime() + 86_400_000),
    });
    return `${api.url}/confirm?token=${encodeURIComponent(token)}`;
  }

  it('sends one welcome to a reader who presses Confirm twice at once, and none for a later edition', async () => {
    const email = 'ana.welcome@example.com';
    const link = await subscribe(email, ['dc']);
    const answers = await Promise.all([fetch(link, { method: 'POST' }), fetch(link, { method: 'POST' })]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);

    expect(await outbox('welcome')).toEqual([`${email}.eml`]);
    const row = await ledger.get(WELCOME_LEDGER_ID, email);
    expect(row).toMatchObject({ state: 'sent' });
    const mail = await simpleParser(await readFile(join(stack.home, 'outbox', 'welcome', `${email}.eml`)));
    expect(mail.subject).toBe('Welcome to Tidings D.C.');
    expect(mail.text).toContain('No issue has gone out yet');
    expect(mail.headerLines.some((h) => h.key === 'list-unsubscribe-post')).toBe(true);
    const delivered = (await stack.inbox()).filter((m) => m.subject === 'Welcome to Tidings D.C.');
    expect(delivered).toHaveLength(1);

    // An active reader confirming another edition is not welcomed again.
    const more = await fetch(confirmUrl(email, ['sg']), { method: 'POST' });
    expect(more.status).toBe(200);
    expect(await outbox('welcome')).toEqual([`${email}.eml`]);
    expect(await ledger.get(WELCOME_LEDGER_ID, email)).toEqual(row);
    expect((await stack.inbox()).filter((m) => m.subject.startsWith('Welcome to'))).toHaveLength(1);
  });
});
