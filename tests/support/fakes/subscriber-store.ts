import { createHash } from 'node:crypto';
import {
  NO_ZONE,
  type Page,
  SUBSCRIBER_SHARDS,
  type SubscriberStore,
  ZONE_SHARDS,
} from '../../../lambdas/core/ports.js';
import {
  ConcurrentUpdateError,
  normalizeEmail,
  type Recipient,
  type Subscriber,
  type SubscriberStatus,
  type Suppression,
} from '../../../lambdas/core/subscriber.js';

function shard(email: string, of = SUBSCRIBER_SHARDS, at = 0): number {
  return createHash('sha256').update(email).digest().readUInt32BE(at) % of;
}

/**
 * An in-memory {@link SubscriberStore} with the DynamoDB store's rules (versions, suppression,
 * TTL), for every test that needs one: the reader API, the feedback path and delivery.
 */
export class MemorySubscriberStore implements SubscriberStore {
  readonly profiles = new Map<string, Subscriber>();
  readonly suppressions = new Map<string, Suppression>();
  /** Page size of `listActive`, small so tests cross page boundaries. */
  pageSize = 3;
  /** Each edition's zone registry, as the DynamoDB store keeps it: zone keys added on save, never removed. */
  readonly zones = new Map<string, Set<string>>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  private live(email: string): Subscriber | undefined {
    const stored = this.profiles.get(email);
    if (stored?.expiresAt && Date.parse(stored.expiresAt) <= this.now().getTime()) return undefined;
    return stored;
  }

  async get(email: string): Promise<Subscriber | undefined> {
    const stored = this.live(normalizeEmail(email));
    return stored ? structuredClone(stored) : undefined;
  }

  async save(subscriber: Subscriber): Promise<void> {
    const email = normalizeEmail(subscriber.email);
    const current = this.live(email);
    const currentVersion = current?.version ?? 0;
    if (subscriber.version !== undefined && subscriber.version !== currentVersion) {
      throw new ConcurrentUpdateError(`subscriber ${email} was changed by someone else`);
    }
    this.profiles.set(
      email,
      structuredClone({ ...subscriber, email, version: (subscriber.version ?? 0) + 1 }),
    );
    if (subscriber.status !== 'active') return;
    for (const edition of subscriber.editions) {
      const zones = this.zones.get(edition) ?? new Set<string>();
      zones.add(subscriber.timeZone ?? NO_ZONE);
      this.zones.set(edition, zones);
    }
  }

  async listZones(edition: string): Promise<string[]> {
    return [...(this.zones.get(edition) ?? [])].sort();
  }

  async listActiveInZone(
    edition: string,
    zone: string,
    shardNo: number,
    cursor?: string,
  ): Promise<Page<Recipient>> {
    return this.page(
      edition,
      (email, s) => (s.timeZone ?? NO_ZONE) === zone && shard(email, ZONE_SHARDS, 4) === shardNo,
      cursor,
    );
  }

  async listActive(edition: string, shardNo: number, cursor?: string): Promise<Page<Recipient>> {
    return this.page(edition, (email) => shard(email) === shardNo, cursor);
  }

  private page(
    edition: string,
    within: (email: string, s: Subscriber) => boolean,
    cursor: string | undefined,
  ): Page<Recipient> {
    const all: Recipient[] = [];
    for (const email of [...this.profiles.keys()].sort()) {
      const s = this.live(email);
      if (s?.status !== 'active' || !s.editions.includes(edition) || !within(email, s)) continue;
      if (cursor === undefined || email > cursor) {
        all.push({
          email,
          ...(s.name ? { name: s.name } : {}),
          ...(s.timeZone ? { timeZone: s.timeZone } : {}),
          ...(s.rhythm ? { rhythm: s.rhythm } : {}),
        });
      }
    }
    const items = all.slice(0, this.pageSize);
    const last = items.at(-1);
    return all.length > items.length && last ? { items, cursor: last.email } : { items };
  }

  async *list(filter: { edition?: string; status?: SubscriberStatus } = {}): AsyncIterable<Subscriber> {
    for (const email of [...this.profiles.keys()].sort()) {
      const s = this.live(email);
      if (!s) continue;
      if (filter.status && s.status !== filter.status) continue;
      if (filter.edition && !s.editions.includes(filter.edition)) continue;
      yield structuredClone(s);
    }
  }

  async forget(email: string, now: Date): Promise<boolean> {
    const address = normalizeEmail(email);
    const profile = this.profiles.get(address);
    const earlier = this.suppressions.get(address);
    const reason =
      earlier && earlier.reason !== 'forgotten'
        ? earlier.reason
        : profile?.status === 'bounced' || profile?.status === 'complained'
          ? profile.status
          : 'forgotten';
    this.suppressions.set(address, { reason, at: now.toISOString() });
    return this.profiles.delete(address);
  }

  async isSuppressed(email: string): Promise<boolean> {
    const address = normalizeEmail(email);
    const profile = this.live(address);
    const entry = this.suppressions.get(address);
    if (profile?.status === 'bounced' || profile?.status === 'complained') return true;
    if (entry && entry.reason !== 'forgotten') return true;
    return entry !== undefined && profile === undefined;
  }

  async suppression(email: string): Promise<Suppression | undefined> {
    return this.suppressions.get(normalizeEmail(email));
  }
}
