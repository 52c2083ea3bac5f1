import { createHash } from 'node:crypto';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type BatchWriteCommandOutput,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { EDITION_ID_PATTERN } from '../core/config.js';
import { NO_ZONE, type Page, SUBSCRIBER_SHARDS, type SubscriberStore, ZONE_SHARDS } from '../core/ports.js';
import {
  ConcurrentUpdateError,
  isRhythm,
  normalizeEmail,
  type Recipient,
  type Subscriber,
  type SubscriberStatus,
  type Suppression,
  type SuppressionReason,
} from '../core/subscriber.js';
import { isKnownZone } from '../core/zone-clock.js';
import { decodeCursor, encodeCursor } from './dynamo-cursor.js';
import { isConditionFailure, isExpired, TTL_ATTRIBUTE } from './tables.js';

/**
 * Subscribers in the `subscribers` table. Key layout:
 * - profile:    pk `SUB#<email>`, sk `PROFILE` — the {@link Subscriber}, with a `version` counter;
 * - membership: pk `SUB#<email>`, sk `ED#<edition>`, gsi1pk `<edition>#<shard>`, gsi1sk `<email>` —
 *   one per edition read, present only while the subscriber is active (the sparse index
 *   `activeByEdition` that the fan-out reads shard by shard), and gsi2pk
 *   `<edition>#<zone>#<zone shard>`, gsi2sk `<email>` (the sparse index `activeByZone` a wave of
 *   readers' local time reads; zone `-` for readers who chose none);
 * - zone registry: pk `ZONES#<edition>`, sk `ZONES`, a string set `zones` of every zone key an
 *   active reader's membership was written with (`ADD` on save), so waves are listed without a scan;
 * - suppression: pk `SUPPRESS#<sha-256 of email>`, sk `SUPPRESS` — all that `forget` keeps.
 *
 * Without transactions, `save` orders its writes so that a crash part-way leaves only index
 * entries that point at a profile which is not (or no longer) active — the sender re-checks the
 * profile and skips them — and the next save of that subscriber repairs the index, because it
 * diffs against the membership items actually stored, not against the previous profile.
 */

export const PROFILE_SK = 'PROFILE';
const MEMBERSHIP_PREFIX = 'ED#';
const SUPPRESSION_SK = 'SUPPRESS';
const INDEX = 'activeByEdition';
const ZONE_INDEX = 'activeByZone';
const ZONES_SK = 'ZONES';
const BATCH = 25;

export function profileKey(email: string): { pk: string; sk: string } {
  return { pk: `SUB#${email}`, sk: PROFILE_SK };
}

/** Stable shard of an address (0 ≤ shard < SUBSCRIBER_SHARDS): the first 32 bits of its SHA-256. */
export function shardOf(email: string): number {
  return createHash('sha256').update(normalizeEmail(email)).digest().readUInt32BE(0) % SUBSCRIBER_SHARDS;
}

/** Stable shard of an address in the zone index (0 ≤ shard < ZONE_SHARDS). */
export function zoneShardOf(email: string): number {
  return createHash('sha256').update(normalizeEmail(email)).digest().readUInt32BE(4) % ZONE_SHARDS;
}

/**
 * The hashed identity a suppression entry is kept under. Unkeyed on purpose: it must survive
 * secret rotation for as long as the list exists. It is pseudonymous, not anonymous: whoever
 * holds an address can check whether it is on the list, which is the list's whole purpose.
 */
export function suppressionHash(email: string): string {
  return createHash('sha256')
    .update(`tidings-suppression\u0000${normalizeEmail(email)}`)
    .digest('hex');
}

/** Attributes of the profile item that belong to the table, not to the subscriber. */
const STORAGE_ATTRIBUTES = new Set([
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  TTL_ATTRIBUTE,
  'expiresAtIso',
  'version',
]);

/** Every stored field comes back, so fields added to {@link Subscriber} later need no change here. */
function toSubscriber(item: Record<string, unknown>): Subscriber {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) if (!STORAGE_ATTRIBUTES.has(key)) out[key] = value;
  // The TTL attribute holds epoch seconds; the subscriber's own `expiresAt` is the ISO instant.
  if (typeof item.expiresAtIso === 'string') out.expiresAt = item.expiresAtIso;
  out.version = typeof item.version === 'number' ? item.version : 0;
  return out as unknown as Subscriber;
}

/**
 * A zone an index key may carry: a named zone the runtime knows, aliases included (the runtime's
 * own list names Asia/Calcutta, not Asia/Kolkata, yet both work), and never a `#`.
 */
function isZoneKey(zone: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone) && isKnownZone(zone);
}

/** A reader as an index entry carries them. */
function toRecipient(item: Record<string, unknown>): Recipient {
  const recipient: Recipient = { email: String(item.email) };
  if (typeof item.name === 'string') recipient.name = item.name;
  if (typeof item.timeZone === 'string') recipient.timeZone = item.timeZone;
  if (typeof item.rhythm === 'string' && isRhythm(item.rhythm)) recipient.rhythm = item.rhythm;
  return recipient;
}

/** A cursor handed back by a caller; only the shape this store produces is accepted. */
function cursorKey(
  cursor: string | undefined,
  partition: string,
  index: 'gsi1' | 'gsi2',
): Record<string, string> | undefined {
  if (cursor === undefined) return undefined;
  const key = decodeCursor(cursor);
  const ok =
    key !== undefined &&
    key[`${index}pk`] === partition &&
    typeof key[`${index}sk`] === 'string' &&
    typeof key.pk === 'string' &&
    typeof key.sk === 'string' &&
    Object.keys(key).length === 4;
  if (ok) return key as Record<string, string>;
  throw new RangeError(`invalid cursor for this edition and shard (${partition})`);
}

export class DynamoSubscriberStore implements SubscriberStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Reads treat pending profiles past their TTL as absent; the clock decides "past". */
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(email: string): Promise<Subscriber | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: profileKey(normalizeEmail(email)),
        ConsistentRead: true,
      }),
    );
    if (!Item || isExpired(Item, this.now())) return undefined;
    return toSubscriber(Item);
  }

  async save(subscriber: Subscriber): Promise<void> {
    const email = normalizeEmail(subscriber.email);
    // A new subscriber (version 0) has no index entries to remove: skip the read. A leftover from
    // an interrupted `forget` points at a profile that is not active, and the next save removes it.
    const stored = subscriber.version === 0 ? [] : await this.memberships(email);
    const wanted = new Set(subscriber.status === 'active' ? subscriber.editions : []);
    const recipient: Record<string, unknown> = { email };
    if (subscriber.name !== undefined) recipient.name = subscriber.name;
    // The reader's choices ride on each index entry, so the fan-out filters without a profile read.
    if (subscriber.timeZone !== undefined) recipient.timeZone = subscriber.timeZone;
    if (subscriber.rhythm !== undefined) recipient.rhythm = subscriber.rhythm;

    // 1. Index entries the new state needs (written again each time, so a changed name or zone
    // follows), the zone in each edition's registry first: a wave never misses a zone in the index.
    const zone = subscriber.timeZone ?? NO_ZONE;
    await Promise.all([...wanted].map((edition) => this.registerZone(edition, zone)));
    await this.batchWrite(
      [...wanted].map((edition) => ({
        PutRequest: {
          Item: {
            pk: `SUB#${email}`,
            sk: `${MEMBERSHIP_PREFIX}${edition}`,
            gsi1pk: `${edition}#${shardOf(email)}`,
            gsi1sk: email,
            gsi2pk: `${edition}#${zone}#${zoneShardOf(email)}`,
            gsi2sk: email,
            ...recipient,
          },
        },
      })),
    );
    // 2. The profile, guarded by its version when the caller read one.
    const { version, expiresAt, ...rest } = subscriber;
    const item: Record<string, unknown> = { email, ...profileKey(email), version: (version ?? 0) + 1 };
    for (const [key, value] of Object.entries(rest))
      if (value !== undefined && key !== 'email') item[key] = value;
    if (expiresAt !== undefined) {
      item.expiresAtIso = expiresAt;
      item[TTL_ATTRIBUTE] = Math.floor(Date.parse(expiresAt) / 1000);
    }
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ...this.versionCondition(version),
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new ConcurrentUpdateError(`subscriber ${email} was changed by someone else`, { cause: error });
      }
      throw error;
    }
    // 3. Index entries the new state no longer has.
    await this.batchWrite(
      stored
        .filter((edition) => !wanted.has(edition))
        .map((edition) => ({
          DeleteRequest: { Key: { pk: `SUB#${email}`, sk: `${MEMBERSHIP_PREFIX}${edition}` } },
        })),
    );
  }

  async listActive(edition: string, shard: number, cursor?: string): Promise<Page<Recipient>> {
    if (!EDITION_ID_PATTERN.test(edition)) throw new RangeError(`invalid edition id "${edition}"`);
    if (!Number.isInteger(shard) || shard < 0 || shard >= SUBSCRIBER_SHARDS) {
      throw new RangeError(`shard must be an integer from 0 to ${SUBSCRIBER_SHARDS - 1}, got ${shard}`);
    }
    return this.readers('gsi1', `${edition}#${shard}`, cursor);
  }

  /** One page of readers from one partition of an index of active readers. */
  private async readers(
    index: 'gsi1' | 'gsi2',
    partition: string,
    cursor: string | undefined,
  ): Promise<Page<Recipient>> {
    const startKey = cursorKey(cursor, partition, index);
    // No Limit: each page is as large as DynamoDB allows (1 MB, some thousands of readers).
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index === 'gsi1' ? INDEX : ZONE_INDEX,
        KeyConditionExpression: `${index}pk = :p`,
        ExpressionAttributeValues: { ':p': partition },
        ProjectionExpression: 'email, #n, #z, #r',
        ExpressionAttributeNames: { '#n': 'name', '#z': 'timeZone', '#r': 'rhythm' },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    const items = (result.Items ?? []).map(toRecipient);
    const next = encodeCursor(result.LastEvaluatedKey);
    return next ? { items, cursor: next } : { items };
  }

  async listZones(edition: string): Promise<string[]> {
    if (!EDITION_ID_PATTERN.test(edition)) throw new RangeError(`invalid edition id "${edition}"`);
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: `ZONES#${edition}`, sk: ZONES_SK },
        ConsistentRead: true,
      }),
    );
    const zones = Item?.zones;
    return zones instanceof Set ? [...zones].map(String).sort() : [];
  }

  async listActiveInZone(
    edition: string,
    zone: string,
    shard: number,
    cursor?: string,
  ): Promise<Page<Recipient>> {
    if (!EDITION_ID_PATTERN.test(edition)) throw new RangeError(`invalid edition id "${edition}"`);
    if (zone !== NO_ZONE && !isZoneKey(zone)) {
      throw new RangeError(`invalid zone "${zone}": an IANA time zone, or "${NO_ZONE}" for none`);
    }
    if (!Number.isInteger(shard) || shard < 0 || shard >= ZONE_SHARDS) {
      throw new RangeError(`zone shard must be an integer from 0 to ${ZONE_SHARDS - 1}, got ${shard}`);
    }
    return this.readers('gsi2', `${edition}#${zone}#${shard}`, cursor);
  }

  /** Adds a zone key to the edition's registry (a no-op once it is there). */
  private async registerZone(edition: string, zone: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `ZONES#${edition}`, sk: ZONES_SK },
        UpdateExpression: 'ADD zones :z',
        ExpressionAttributeValues: { ':z': new Set([zone]) },
      }),
    );
  }

  async *list(filter: { edition?: string; status?: SubscriberStatus } = {}): AsyncIterable<Subscriber> {
    const names: Record<string, string> = { '#sk': 'sk' };
    const values: Record<string, unknown> = { ':profile': PROFILE_SK };
    const conditions = ['#sk = :profile'];
    if (filter.status) {
      names['#status'] = 'status';
      values[':status'] = filter.status;
      conditions.push('#status = :status');
    }
    if (filter.edition) {
      names['#editions'] = 'editions';
      values[':edition'] = filter.edition;
      conditions.push('contains(#editions, :edition)');
    }
    let startKey: Record<string, unknown> | undefined;
    const now = this.now();
    do {
      const result = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of result.Items ?? []) if (!isExpired(item, now)) yield toSubscriber(item);
      startKey = result.LastEvaluatedKey;
    } while (startKey);
  }

  async forget(email: string, now: Date): Promise<boolean> {
    const address = normalizeEmail(email);
    const [profile, earlier] = await Promise.all([this.get(address), this.suppression(address)]);
    const reason: SuppressionReason =
      earlier && earlier.reason !== 'forgotten'
        ? earlier.reason
        : profile?.status === 'bounced' || profile?.status === 'complained'
          ? profile.status
          : 'forgotten';
    // 1. The suppression entry first: a crash after it leaves an address that is not mailed.
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `SUPPRESS#${suppressionHash(address)}`,
          sk: SUPPRESSION_SK,
          reason,
          at: now.toISOString(),
        },
      }),
    );
    // 2. Index entries, then the profile: no personal data stays behind.
    const stored = await this.memberships(address);
    await this.batchWrite(
      stored.map((edition) => ({
        DeleteRequest: { Key: { pk: `SUB#${address}`, sk: `${MEMBERSHIP_PREFIX}${edition}` } },
      })),
    );
    const { Attributes } = await this.doc.send(
      new DeleteCommand({ TableName: this.tableName, Key: profileKey(address), ReturnValues: 'ALL_OLD' }),
    );
    return Attributes !== undefined || profile !== undefined || stored.length > 0;
  }

  async suppression(email: string): Promise<Suppression | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: `SUPPRESS#${suppressionHash(email)}`, sk: SUPPRESSION_SK },
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    return { reason: Item.reason as SuppressionReason, at: String(Item.at) };
  }

  async isSuppressed(email: string): Promise<boolean> {
    const address = normalizeEmail(email);
    const { Responses } = await this.doc.send(
      new BatchGetCommand({
        RequestItems: {
          [this.tableName]: {
            Keys: [profileKey(address), { pk: `SUPPRESS#${suppressionHash(address)}`, sk: SUPPRESSION_SK }],
            ConsistentRead: true,
          },
        },
      }),
    );
    const items = Responses?.[this.tableName] ?? [];
    const profile = items.find((item) => item.sk === PROFILE_SK && !isExpired(item, this.now()));
    const entry = items.find((item) => item.sk === SUPPRESSION_SK);
    if (profile?.status === 'bounced' || profile?.status === 'complained') return true;
    if (entry?.reason === 'bounced' || entry?.reason === 'complained') return true;
    // A forgotten reader who subscribed again since is a reader like any other.
    return entry !== undefined && profile === undefined;
  }

  /**
   * Version 0 means "a new subscriber": nothing may be stored yet, except a pending request whose
   * TTL has passed (DynamoDB may not have deleted it yet; the local stand-in never does).
   */
  private versionCondition(version: number | undefined): Partial<PutCommandInput> {
    if (version === undefined) return {};
    if (version === 0) {
      return {
        ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
        ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':now': Math.floor(this.now().getTime() / 1000) },
      };
    }
    return { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': version } };
  }

  /** Editions for which a membership item is stored, whatever the profile says. */
  private async memberships(email: string): Promise<string[]> {
    const editions: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ed)',
          ExpressionAttributeValues: { ':pk': `SUB#${email}`, ':ed': MEMBERSHIP_PREFIX },
          ProjectionExpression: 'sk',
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of result.Items ?? []) editions.push(String(item.sk).slice(MEMBERSHIP_PREFIX.length));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return editions;
  }

  private async batchWrite(
    requests: NonNullable<BatchWriteCommandInput['RequestItems']>[string],
  ): Promise<void> {
    for (let i = 0; i < requests.length; i += BATCH) {
      let pending: typeof requests | undefined = requests.slice(i, i + BATCH);
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        if (attempt > 0)
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
        if (attempt > 8) throw new Error(`DynamoDB left ${pending.length} subscriber writes unprocessed`);
        const result: BatchWriteCommandOutput = await this.doc.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
        );
        pending = result.UnprocessedItems?.[this.tableName];
      }
    }
  }
}
