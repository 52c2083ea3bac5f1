import { describe, expect, it } from 'vitest';
import type { Subscriber } from '../../../../lambdas/core/subscriber.js';
import { confirm, subscribe, unsubscribe } from '../../../../lambdas/core/subscriptions/index.js';
import type { Welcome, WelcomeOutcome } from '../../../../lambdas/core/welcome.js';
import { type Harness, harness, unsubscribeToken } from '../../../support/subscriptions-harness.js';

/** A welcome port that records whom it was asked to greet, and can be made to fail. */
function recordingWelcome(): Welcome & { greeted: Subscriber[]; fail?: Error } {
  const port: Welcome & { greeted: Subscriber[]; fail?: Error } = {
    greeted: [],
    async greet(subscriber): Promise<WelcomeOutcome> {
      port.greeted.push(subscriber);
      if (port.fail) throw port.fail;
      return 'sent';
    },
  };
  return port;
}

/** A harness with a recording welcome, and Ana subscribed to dc and confirmed. */
async function anaConfirmed(): Promise<{ h: Harness & { welcome: ReturnType<typeof recordingWelcome> } }> {
  const h = { ...harness(), welcome: recordingWelcome() };
  await subscribe(h, { email: 'ana@example.com', editions: ['dc'] });
  await confirm(h, h.confirmToken('ana@example.com'));
  h.clock.advance(11 * 60_000);
  return { h };
}

describe('confirm and the welcome', () => {
  it('greets a reader once, when the first confirmation makes them active', async () => {
    const welcome = recordingWelcome();
    const h = { ...harness(), welcome };
    await subscribe(h, { email: 'ana@example.com', editions: ['dc', 'sg'] });
    const token = h.confirmToken('ana@example.com');
    await confirm(h, token);
    await confirm(h, token);
    expect(welcome.greeted).toHaveLength(1);
    expect(welcome.greeted[0]).toMatchObject({
      email: 'ana@example.com',
      status: 'active',
      editions: ['dc', 'sg'],
    });
  });

  it('greets once when the link is pressed twice at the same moment', async () => {
    const welcome = recordingWelcome();
    const h = { ...harness(), welcome };
    await subscribe(h, { email: 'ana@example.com', editions: ['dc'] });
    const token = h.confirmToken('ana@example.com');
    const views = await Promise.all([confirm(h, token), confirm(h, token)]);
    expect(views.map((v) => v.alreadyConfirmed).sort()).toEqual([false, true]);
    expect(welcome.greeted).toHaveLength(1);
  });

  it('does not greet an active reader who confirms another edition', async () => {
    const { h } = await anaConfirmed();
    await subscribe(h, { email: 'ana@example.com', editions: ['sg'] });
    await confirm(h, h.confirmToken('ana@example.com'));
    expect((await h.store.get('ana@example.com'))?.editions).toEqual(['dc', 'sg']);
    expect(h.welcome.greeted).toHaveLength(1);
  });

  it('asks again for a reader who left and came back (the welcome ledger keeps it to once)', async () => {
    const { h } = await anaConfirmed();
    await unsubscribe(h, unsubscribeToken(h, 'ana@example.com', 'dc'));
    h.clock.advance(11 * 60_000);
    await subscribe(h, { email: 'ana@example.com', editions: ['dc'] });
    await confirm(h, h.confirmToken('ana@example.com'));
    expect(h.welcome.greeted).toHaveLength(2);
  });

  it('confirms even when the welcome fails', async () => {
    const welcome = recordingWelcome();
    welcome.fail = new Error('SES is down');
    const h = { ...harness(), welcome };
    await subscribe(h, { email: 'ana@example.com', editions: ['dc'] });
    const view = await confirm(h, h.confirmToken('ana@example.com'));
    expect(view).toMatchObject({ alreadyConfirmed: false, editions: ['dc'] });
    expect((await h.store.get('ana@example.com'))?.status).toBe('active');
    expect(welcome.greeted).toHaveLength(1);
  });
});
