import { randomUUID } from 'node:crypto';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Brief, StoredBrief } from '../core/brief.js';
import { TidingsError } from '../core/errors.js';
import { contentHash } from '../core/ingest.js';
import type { BriefStore, Page, SourceState, UpsertOutcome } from '../core/ports.js';
import type { StoryRef } from '../core/stories/story.js';
import { decodeCursor, encodeCursor } from './dynamo-cursor.js';
import { isConditionFailure } from './tables.js';

/**
 * Briefs in the `briefs` table (see tables.ts), without transactions:
 *
 * | item | pk | sk | other keys |
 * |---|---|---|---|
 * | the brief (full copy, `contentHash`, `retracted`) | `brief#<id>` | `brief` | |
 * | one per edition of a live brief (full copy) | `brief#<id>` | `edition#<ed>` | `gsi1pk=<ed>`, `gsi1sk=<updatedAt>#<id>` |
 * | a source's fetch state | `source#<id>` | `state` | |
 *
 * A brief built from feed items also carries its story record (`story`: the items and the
 * editor's corrections) in both kinds of item; story matching reads an edition's recent stories
 * with one Query on `byEdition` that projects only `id`, `updatedAt` and `story`. Retracting a
 * story leaves one marker per edition (`sk=retracted-story#<ed>`, `gsi1pk=<ed>#retracted-stories`)
 * that only this query reads, so its items are not made a new story on the next run.
 *
 * Listing an edition is one Query on `byEdition`. An upsert reads the stored briefs first (in
 * batches) and writes nothing when the content is unchanged or the stored copy is newer.
 *
 * Briefs not stored yet (most of a first run) are written with unconditional batch writes, their
 * edition items first and their brief items after, guarded by **write intents**: before reading,
 * each upsert puts an intent item (`pk=ingest#intents`, `sk=<time>#<uuid>`, the ids it may write,
 * `phase=batch`, an expiry) and reads the live intents of other writers with a consistent Query.
 * A brief is batch-written only if it was absent when read after that Query and no other live
 * intent names it. Every upsert holds its intent until its writes are done, so of two overlapping
 * upserts of one brief at least one sees the other's intent (each puts its own before it looks):
 * the one that sees it writes that brief conditionally, and only after the other has left the
 * batch phase, so an unconditional put never lands on a copy another writer stored meanwhile.
 * An intent of a crashed writer blocks the briefs it names until it expires ({@link INTENT_TTL_MS});
 * a writer whose own intent is that old no longer batch-writes.
 *
 * The other briefs (stored already, or named by another writer's intent) take the conditional
 * path: a brief not stored yet gets its edition items in batch writes, then its brief item with a
 * condition that it still does not exist (if another writer got there first, the update path
 * below runs and the winner's edition items are put back). A stored brief gets its edition items,
 * the deletion of those of editions it left, and its brief item last, each conditional on not
 * replacing a newer copy. The brief item is always written last, so a crash part-way leaves it
 * absent or old and the next run repeats the whole write. Retracting marks the brief item and
 * deletes its edition items, so retracted briefs never reach an edition listing, and a later
 * upsert keeps them out.
 */

const BRIEF_SK = 'brief';
const EDITION_SK = 'edition#';
const KEY_FIELDS = ['pk', 'sk', 'gsi1pk', 'gsi1sk'] as const;
/** Sort key prefix and index partition suffix of a retracted story's markers. */
const RETRACTED_STORY_SK = 'retracted-story#';
const RETRACTED_STORIES = '#retracted-stories';
/** Optional brief fields: removed from the item when a new copy no longer has them. */
const OPTIONAL_FIELDS = ['dek', 'region', 'url', 'image', 'source'] as const;
const WRITE_CONCURRENCY = 16;
/** Batch writes in flight at once. */
const BATCH_CONCURRENCY = 8;
/** The partition of write intents. */
const INTENTS_PK = 'ingest#intents';
/** How long an intent holds: longer than an ingest may run (the function's timeout is 5 minutes). */
export const INTENT_TTL_MS = 15 * 60 * 1000;
/** A writer whose intent is older than this no longer batch-writes under it (a margin before expiry). */
const INTENT_BATCH_WINDOW_MS = 10 * 60 * 1000;
/** Briefs per intent: an intent lists their ids, well under DynamoDB's 400 KB item limit. */
const INTENT_CHUNK = 1000;

/** One writer's intent, as stored. */
interface Intent {
  sk: string;
  ids: string[];
  phase: 'batch' | 'conditional';
  expiresAt: number;
}

/**
 * Some briefs are named by another writer's batch-phase intent that did not end in time (a run
 * still writing, or one that crashed and whose intent has not expired); nothing of them was
 * written. The source is fetched again on the next run.
 */
export class BriefWriteContendedError extends TidingsError {
  override readonly name = 'BriefWriteContendedError';
  readonly kind = 'conflict';
}

/** Tuning of the write intents; tests shorten the waits. */
export interface BriefStoreOptions {
  /** Longest wait for another writer's batch phase to end, in ms (default 30 s). */
  contentionWaitMs?: number;
  /** Pause between two looks at other writers' intents, in ms (default 25). */
  contentionPollMs?: number;
}

const briefKey = (id: string): { pk: string; sk: string } => ({ pk: `brief#${id}`, sk: BRIEF_SK });
const editionKey = (id: string, edition: string): { pk: string; sk: string } => ({
  pk: `brief#${id}`,
  sk: `${EDITION_SK}${edition}`,
});

function toStored(item: Record<string, unknown>): StoredBrief {
  const copy: Record<string, unknown> = { ...item };
  for (const key of KEY_FIELDS) delete copy[key];
  return copy as unknown as StoredBrief;
}

/** Whether the stored copy stays as it is: the same content, or newer. */
function keepsStored(brief: Brief, stored: StoredBrief | undefined): boolean {
  return (
    stored !== undefined && (stored.contentHash === contentHash(brief) || stored.updatedAt > brief.updatedAt)
  );
}

/** Runs `work` over `items` with at most `limit` at a time, keeping result order. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function cursorKey(cursor: string): Record<string, unknown> {
  const key = decodeCursor(cursor);
  if (!key) throw new RangeError('invalid cursor');
  return key;
}

export class DynamoBriefStore implements BriefStore {
  private readonly contentionWaitMs: number;
  private readonly contentionPollMs: number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: BriefStoreOptions = {},
  ) {
    this.contentionWaitMs = options.contentionWaitMs ?? 30_000;
    this.contentionPollMs = options.contentionPollMs ?? 25;
  }

  upsert(brief: Brief, now: Date): Promise<UpsertOutcome> {
    return this.upsertMany([brief], now).then((outcomes) => outcomes[0] ?? 'unchanged');
  }

  async upsertMany(briefs: readonly Brief[], now: Date): Promise<UpsertOutcome[]> {
    const outcomes: UpsertOutcome[] = [];
    for (let i = 0; i < briefs.length; i += INTENT_CHUNK) {
      outcomes.push(...(await this.upsertChunk(briefs.slice(i, i + INTENT_CHUNK), now)));
    }
    return outcomes;
  }

  /** One intent's worth of briefs: see the class comment for the protocol. */
  private async upsertChunk(briefs: readonly Brief[], now: Date): Promise<UpsertOutcome[]> {
    // A first read settles what needs no write at all (an unchanged re-run writes nothing).
    const before = await this.getMany(briefs.map((b) => b.id));
    const pending = briefs.filter((brief) => !keepsStored(brief, before.get(brief.id)));
    if (pending.length === 0) return briefs.map(() => 'unchanged');
    const ids = [...new Set(pending.map((b) => b.id))];
    const posted = Date.now();
    const own: Intent = {
      sk: `${new Date(posted).toISOString()}#${randomUUID()}`,
      ids,
      phase: 'batch',
      expiresAt: posted + INTENT_TTL_MS,
    };
    await this.putIntent(own);
    try {
      const others = await this.otherIntents(own.sk);
      const named = new Set(others.flatMap((intent) => intent.ids));
      // Read again after the intent is up: what was absent now stays absent or is named above.
      const stored = await this.getMany(ids);
      const ingestedAt = now.toISOString();
      const outcomes = new Map<string, UpsertOutcome>();
      const batchable =
        Date.now() - posted < INTENT_BATCH_WINDOW_MS
          ? pending.filter((brief) => !stored.has(brief.id) && !named.has(brief.id))
          : [];
      const batched = this.latestOf(batchable);
      if (batched.length > 0) {
        const copies = batched.map((brief) => ({ ...brief, contentHash: contentHash(brief), ingestedAt }));
        // Edition items first, brief items last: a crash between leaves the brief absent, and
        // the next run writes it again.
        await this.batchPut(copies.flatMap((copy) => copy.editions.map((e) => this.editionItem(copy, e))));
        await this.batchPut(copies.map((copy) => ({ ...copy, ...briefKey(copy.id) })));
        for (const brief of batched) outcomes.set(brief.id, 'new');
      }
      const rest = pending.filter((brief) => !outcomes.has(brief.id));
      if (rest.length > 0) {
        const restIds = new Set(rest.map((b) => b.id));
        const contended = [...named].filter((id) => restIds.has(id));
        if (contended.length > 0) {
          // Leave the batch phase before waiting (so two writers never wait for each other),
          // still naming what we will write.
          await this.putIntent({ ...own, ids: [...restIds], phase: 'conditional' });
          await this.awaitBatchPhases(own.sk, contended);
        }
        const current = contended.length > 0 ? await this.getMany([...restIds]) : stored;
        for (const [id, outcome] of await this.upsertConditionally(rest, current, ingestedAt)) {
          outcomes.set(id, outcome);
        }
      }
      return briefs.map((brief) => outcomes.get(brief.id) ?? 'unchanged');
    } finally {
      await this.doc.send(
        new DeleteCommand({ TableName: this.tableName, Key: { pk: INTENTS_PK, sk: own.sk } }),
      );
    }
  }

  /** Of several copies of one id in a call, the newest (as the conditional path would leave it). */
  private latestOf(briefs: readonly Brief[]): Brief[] {
    const byId = new Map<string, Brief>();
    for (const brief of briefs) {
      const seen = byId.get(brief.id);
      if (!seen || brief.updatedAt > seen.updatedAt) byId.set(brief.id, brief);
    }
    return [...byId.values()];
  }

  private async putIntent(intent: Intent): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { pk: INTENTS_PK, ...intent } }));
  }

  /** Live intents of other writers (consistent read); expired ones, left by a crash, are deleted. */
  private async otherIntents(ownSk: string): Promise<Intent[]> {
    const live: Intent[] = [];
    const expired: string[] = [];
    const now = Date.now();
    let start: Record<string, unknown> | undefined;
    do {
      const result = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': INTENTS_PK },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of (result.Items ?? []) as (Intent & { pk: string })[]) {
        if (item.sk === ownSk) continue;
        if (item.expiresAt <= now) expired.push(item.sk);
        else live.push({ sk: item.sk, ids: item.ids, phase: item.phase, expiresAt: item.expiresAt });
      }
      start = result.LastEvaluatedKey;
    } while (start);
    await Promise.all(
      expired.map((sk) =>
        this.doc
          .send(
            new DeleteCommand({
              TableName: this.tableName,
              Key: { pk: INTENTS_PK, sk },
              ConditionExpression: 'expiresAt <= :now',
              ExpressionAttributeValues: { ':now': now },
            }),
          )
          .catch((error: unknown) => {
            if (!isConditionFailure(error)) throw error;
          }),
      ),
    );
    return live;
  }

  /** Waits until no other writer's intent in its batch phase names any of `ids`. */
  private async awaitBatchPhases(ownSk: string, ids: readonly string[]): Promise<void> {
    const wanted = new Set(ids);
    const deadline = Date.now() + this.contentionWaitMs;
    for (;;) {
      const blocking = (await this.otherIntents(ownSk)).filter(
        (intent) => intent.phase === 'batch' && intent.ids.some((id) => wanted.has(id)),
      );
      if (blocking.length === 0) return;
      if (Date.now() >= deadline) {
        const names = ids.slice(0, 3).join(', ') + (ids.length > 3 ? ` and ${ids.length - 3} more` : '');
        throw new BriefWriteContendedError(
          `briefs ${names} are being written by another ingest (intent ${blocking[0]?.sk}) that did not finish within ${this.contentionWaitMs} ms; nothing of them was written, and the next run writes them`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, this.contentionPollMs));
    }
  }

  /** The conditional path: each write conditional on not replacing a newer copy. */
  private async upsertConditionally(
    briefs: readonly Brief[],
    stored: Map<string, StoredBrief>,
    ingestedAt: string,
  ): Promise<Map<string, UpsertOutcome>> {
    const fresh = briefs.filter((brief) => !stored.has(brief.id));
    const outcomes = new Map<string, UpsertOutcome>();
    // Briefs not stored yet (most of a first run): their edition items go in batches, then each
    // brief item with a condition that it still does not exist.
    await this.batchPut(
      fresh.flatMap((brief) => {
        const copy = { ...brief, contentHash: contentHash(brief), ingestedAt };
        return brief.editions.map((edition) => this.editionItem(copy, edition));
      }),
    );
    await pool(fresh, WRITE_CONCURRENCY, async (brief) => {
      outcomes.set(brief.id, await this.create(brief, ingestedAt));
    });
    await pool(
      briefs.filter((brief) => stored.has(brief.id)),
      WRITE_CONCURRENCY,
      async (brief) => {
        outcomes.set(brief.id, await this.write(brief, stored.get(brief.id), ingestedAt));
      },
    );
    return outcomes;
  }

  private editionItem(
    copy: Brief & { contentHash: string; ingestedAt: string },
    edition: string,
  ): Record<string, unknown> {
    return {
      ...copy,
      ...editionKey(copy.id, edition),
      gsi1pk: edition,
      gsi1sk: `${copy.updatedAt}#${copy.id}`,
    };
  }

  /** Writes a brief item that must not exist yet; if another writer got there first, falls back to an update. */
  private async create(brief: Brief, ingestedAt: string): Promise<UpsertOutcome> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...brief, contentHash: contentHash(brief), ingestedAt, ...briefKey(brief.id) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'new';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    // Our unconditional edition items may have replaced the other writer's; put the winner's back.
    const winner = await this.get(brief.id);
    const outcome = await this.write(brief, winner, ingestedAt);
    if (outcome === 'unchanged' && winner && !winner.retracted) {
      await this.batchPut(winner.editions.map((edition) => this.editionItem(winner, edition)));
    }
    return outcome;
  }

  /** Unconditional puts in batches of 25, retrying what DynamoDB leaves unprocessed. */
  private async batchPut(items: Record<string, unknown>[]): Promise<void> {
    const batches: Record<string, unknown>[][] = [];
    for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
    await pool(batches, BATCH_CONCURRENCY, async (batch) => {
      let pending: { PutRequest: { Item: Record<string, unknown> } }[] = batch.map((Item) => ({
        PutRequest: { Item },
      }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
        const result = await this.doc.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
        );
        pending = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
      }
    });
  }

  private async write(
    brief: Brief,
    stored: StoredBrief | undefined,
    ingestedAt: string,
  ): Promise<UpsertOutcome> {
    if (keepsStored(brief, stored)) return 'unchanged';
    const hash = contentHash(brief);
    const copy = { ...brief, contentHash: hash, ingestedAt };
    const notNewer = { ':u': brief.updatedAt };

    if (!stored?.retracted) {
      await Promise.all(
        brief.editions.map((edition) =>
          this.doc
            .send(
              new PutCommand({
                TableName: this.tableName,
                Item: this.editionItem(copy, edition),
                ConditionExpression: 'attribute_not_exists(pk) OR updatedAt <= :u',
                ExpressionAttributeValues: notNewer,
              }),
            )
            .catch((error: unknown) => {
              if (!isConditionFailure(error)) throw error;
            }),
        ),
      );
    }
    const left = (stored?.editions ?? []).filter((edition) => !brief.editions.includes(edition));
    await Promise.all(
      left.map((edition) =>
        this.doc
          .send(
            new DeleteCommand({
              TableName: this.tableName,
              Key: editionKey(brief.id, edition),
              ConditionExpression: 'attribute_not_exists(pk) OR updatedAt <= :u',
              ExpressionAttributeValues: notNewer,
            }),
          )
          .catch((error: unknown) => {
            if (!isConditionFailure(error)) throw error;
          }),
      ),
    );

    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':h': hash, ':u': brief.updatedAt };
    const sets: string[] = [];
    for (const [field, value] of Object.entries(copy)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    const removes = OPTIONAL_FIELDS.filter((field) => brief[field] === undefined).map((field) => {
      names[`#${field}`] = field;
      return `#${field}`;
    });
    names['#contentHash'] = 'contentHash';
    names['#updatedAt'] = 'updatedAt';
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: briefKey(brief.id),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_not_exists(pk) OR (#contentHash <> :h AND #updatedAt <= :u)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      // Another writer got there first with this or a newer copy.
      if (isConditionFailure(error)) return 'unchanged';
      throw error;
    }
    return stored ? 'updated' : 'new';
  }

  async get(id: string): Promise<StoredBrief | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: briefKey(id), ConsistentRead: true }),
    );
    return Item ? toStored(Item) : undefined;
  }

  async getMany(ids: readonly string[]): Promise<Map<string, StoredBrief>> {
    const out = new Map<string, StoredBrief>();
    const unique = [...new Set(ids)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += 100) chunks.push(unique.slice(i, i + 100));
    // The chunks are read at the same time: a source's briefs cost one round trip, not one per 100.
    await pool(chunks, BATCH_CONCURRENCY, async (chunk) => {
      let keys: Record<string, unknown>[] | undefined = chunk.map(briefKey);
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
        const result = await this.doc.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } },
          }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          const brief = toStored(item);
          out.set(brief.id, brief);
        }
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[] | undefined;
      }
    });
    return out;
  }

  async listByEdition(
    edition: string,
    options: { since?: string; until?: string; limit?: number; cursor?: string } = {},
  ): Promise<Page<StoredBrief>> {
    // Sort keys are `<updatedAt>#<id>` with fixed-width ISO instants; "$" sorts just after "#",
    // so `<t>$` is above every key of instant t and below every key of a later instant.
    const since = options.since ? `${new Date(options.since).toISOString()}$` : undefined;
    const until = options.until ? `${new Date(options.until).toISOString()}$` : undefined;
    const values: Record<string, unknown> = { ':e': edition };
    let range = '';
    if (since && until) {
      range = ' AND gsi1sk BETWEEN :lo AND :hi';
      values[':lo'] = since;
      values[':hi'] = until;
    } else if (since) {
      range = ' AND gsi1sk > :lo';
      values[':lo'] = since;
    } else if (until) {
      range = ' AND gsi1sk < :hi';
      values[':hi'] = until;
    }
    const input: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: 'byEdition',
      KeyConditionExpression: `gsi1pk = :e${range}`,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      ...(options.limit ? { Limit: options.limit } : {}),
      ...(options.cursor ? { ExclusiveStartKey: cursorKey(options.cursor) } : {}),
    };
    const { Items = [], LastEvaluatedKey } = await this.doc.send(new QueryCommand(input));
    const cursor = encodeCursor(LastEvaluatedKey);
    const items = Items.map(toStored);
    return cursor ? { items, cursor } : { items };
  }

  async retract(id: string, now: Date): Promise<boolean> {
    let editions: string[];
    let story: unknown;
    let updatedAt: string;
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: briefKey(id),
          UpdateExpression: 'SET retracted = :t, retractedAt = if_not_exists(retractedAt, :now)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':t': true, ':now': now.toISOString() },
          ReturnValues: 'ALL_NEW',
        }),
      );
      editions = (Attributes?.editions as string[] | undefined) ?? [];
      story = Attributes?.story;
      updatedAt = String(Attributes?.updatedAt ?? now.toISOString());
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
    await Promise.all(
      editions.map((edition) =>
        this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: editionKey(id, edition) })),
      ),
    );
    // A retracted story keeps a marker per edition, so that story matching still knows its items
    // and does not make a new story of them.
    if (story) {
      await this.batchPut(
        editions.map((edition) => ({
          pk: `brief#${id}`,
          sk: `${RETRACTED_STORY_SK}${edition}`,
          gsi1pk: `${edition}${RETRACTED_STORIES}`,
          gsi1sk: `${updatedAt}#${id}`,
          id,
          updatedAt,
          story,
          retracted: true,
        })),
      );
    }
    return true;
  }

  async *listStories(edition: string, since: string): AsyncIterable<StoryRef> {
    yield* this.queryStories(edition, since);
    yield* this.queryStories(`${edition}${RETRACTED_STORIES}`, since);
  }

  private async *queryStories(partition: string, since: string): AsyncIterable<StoryRef> {
    let start: Record<string, unknown> | undefined;
    do {
      const result = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'byEdition',
          KeyConditionExpression: 'gsi1pk = :e AND gsi1sk > :lo',
          FilterExpression: 'attribute_exists(story)',
          ProjectionExpression: 'id, updatedAt, story, retracted',
          ExpressionAttributeValues: { ':e': partition, ':lo': `${new Date(since).toISOString()}$` },
          ScanIndexForward: false,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of result.Items ?? []) yield item as StoryRef;
      start = result.LastEvaluatedKey;
    } while (start);
  }

  async *listAll(filter: { edition?: string } = {}): AsyncIterable<StoredBrief> {
    let start: Record<string, unknown> | undefined;
    do {
      const result = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: filter.edition ? 'sk = :brief AND contains(editions, :e)' : 'sk = :brief',
          ExpressionAttributeValues: {
            ':brief': BRIEF_SK,
            ...(filter.edition ? { ':e': filter.edition } : {}),
          },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of result.Items ?? []) yield toStored(item);
      start = result.LastEvaluatedKey;
    } while (start);
  }

  async getSourceState(sourceId: string): Promise<SourceState | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `source#${sourceId}`, sk: 'state' } }),
    );
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...state } = Item;
    return state as SourceState;
  }

  async putSourceState(sourceId: string, state: SourceState): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...state, pk: `source#${sourceId}`, sk: 'state' },
      }),
    );
  }
}
