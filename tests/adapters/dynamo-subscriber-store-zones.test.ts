import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSubscriberStore } from '../../lambdas/adapters/dynamo-subscriber-store.js';
import { NO_ZONE, ZONE_SHARDS } from '../../lambdas/core/ports.js';
import type { Subscriber } from '../../lambdas/core/subscriber.js';
import { subscriber } from '../support/fakes/delivery.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/** The zone index of the subscriber store on dynalite: what a wave of readers' local time reads. */
describe('DynamoSubscriberStore zone index', () => {
  let stack: TestStack;
  let store: DynamoSubscriberStore;

  beforeAll(async () => {
    stack = await startTestStack();
    store = new DynamoSubscriberStore(stack.doc, stack.tables.subscribers);
  });
  afterAll(async () => {
    await stack.close();
  });

  async function inZone(edition: string, zone: string): Promise<string[]> {
    const emails: string[] = [];
    for (let shard = 0; shard < ZONE_SHARDS; shard++) {
      let cursor: string | undefined;
      do {
        const page = await store.listActiveInZone(edition, zone, shard, cursor);
        emails.push(...page.items.map((r) => r.email));
        cursor = page.cursor;
      } while (cursor);
    }
    return emails.sort();
  }

  it('lists each active reader in the zone they chose, and those who chose none under "-"', async () => {
    await store.save(
      subscriber('a@example.com', ['dc', 'bxl'], { timeZone: 'Asia/Kolkata', rhythm: 'weekdays' }),
    );
    await store.save(subscriber('b@example.com', ['dc'], { timeZone: 'Australia/Adelaide' }));
    await store.save(subscriber('c@example.com', ['dc']));
    await store.save(
      subscriber('d@example.com', ['dc'], { timeZone: 'Asia/Kolkata', status: 'unsubscribed' }),
    );

    expect(await store.listZones('dc')).toEqual([NO_ZONE, 'Asia/Kolkata', 'Australia/Adelaide'].sort());
    expect(await store.listZones('bxl')).toEqual(['Asia/Kolkata']);
    expect(await store.listZones('lagos')).toEqual([]);
    expect(await inZone('dc', 'Asia/Kolkata')).toEqual(['a@example.com']);
    expect(await inZone('bxl', 'Asia/Kolkata')).toEqual(['a@example.com']);
    expect(await inZone('dc', 'Australia/Adelaide')).toEqual(['b@example.com']);
    expect(await inZone('dc', NO_ZONE)).toEqual(['c@example.com']);
    const page = await store.listActiveInZone('bxl', 'Asia/Kolkata', 0);
    const all = [
      page,
      ...(await Promise.all([1, 2, 3].map((s) => store.listActiveInZone('bxl', 'Asia/Kolkata', s)))),
    ];
    expect(all.flatMap((p) => p.items)).toEqual([
      { email: 'a@example.com', timeZone: 'Asia/Kolkata', rhythm: 'weekdays' },
    ]);
  });

  it('moves a reader who changes zone to the new zone, keeping the old zone in the registry', async () => {
    await store.save(subscriber('mover@example.com', ['lagos'], { timeZone: 'Europe/London' }));
    const saved = (await store.get('mover@example.com')) as Subscriber;
    await store.save({ ...saved, timeZone: 'America/Los_Angeles' });
    expect(await inZone('lagos', 'Europe/London')).toEqual([]);
    expect(await inZone('lagos', 'America/Los_Angeles')).toEqual(['mover@example.com']);
    expect(await store.listZones('lagos')).toEqual(['America/Los_Angeles', 'Europe/London']);
    const again = (await store.get('mover@example.com')) as Subscriber;
    await store.save({ ...again, status: 'unsubscribed' });
    expect(await inZone('lagos', 'America/Los_Angeles')).toEqual([]);
  });

  it('refuses a zone, shard or cursor that cannot be one, by name', async () => {
    await expect(store.listActiveInZone('dc', 'Mars/Olympus', 0)).rejects.toThrow(
      /invalid zone "Mars\/Olympus"/,
    );
    await expect(store.listActiveInZone('dc', 'UTC#1', 0)).rejects.toThrow(/invalid zone/);
    await expect(store.listActiveInZone('dc', NO_ZONE, ZONE_SHARDS)).rejects.toThrow(/zone shard must be/);
    await expect(store.listActiveInZone('DC!', NO_ZONE, 0)).rejects.toThrow(/invalid edition id/);
    await expect(store.listActiveInZone('dc', NO_ZONE, 0, 'bm90LWEtY3Vyc29y')).rejects.toThrow(
      /invalid cursor/,
    );
  });
});
