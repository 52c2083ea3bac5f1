import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { LedgerEntry } from '../core/issue.js';
import type { LedgerStore } from '../core/ports.js';
import { isConditionFailure, isExpired } from './tables.js';

/** BatchWriteItem's limit on items per request. */
const BATCH_WRITE_MAX = 25;
const WRITE_ATTEMPTS = 6;

export interface DynamoLedgerOptions {
  /**
   * How long a `sent` row waits for others to share its request (default 100 ms); a full request's
   * worth (25) goes at once, and {@link DynamoLedgerStore.flushSent} sends the rest early. About the
   * longest a sent message's row stays unwritten, so it bounds what a crash can leave `unknown`.
   */
  sentLingerMs?: number;
}

interface PendingRow {
  row: LedgerEntry;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * The send ledger in the `ledger` table: `pk = <issue id>`, `sk = <recipient address>`. Claims and
 * their settlements are conditional single-item writes; the claim token in the condition is what
 * keeps one attempt from completing or releasing another attempt's claim. `sent` rows, written only
 * by the claim's holder, are stored behind the sends, up to 25 to a BatchWriteItem request.
 *
 * It speaks the low-level DynamoDB API (marshalling its own items) rather than the document
 * client: it is on the per-message path, and a low-level client may be built with
 * `cacheMiddleware`, which resolves the SDK's middleware stack once per command instead of on
 * every call (the document client refuses that option).
 */
export class DynamoLedgerStore implements LedgerStore {
  private readonly sentLingerMs: number;
  private pendingSent: PendingRow[] = [];
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  /** BatchWriteItem requests made for `sent` rows (for tests and benchmarks). */
  sentRequests = 0;

  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly tableName: string,
    private readonly clock: () => Date = () => new Date(),
    options: DynamoLedgerOptions = {},
  ) {
    this.sentLingerMs = options.sentLingerMs ?? 100;
  }

  async get(issueId: string, email: string): Promise<LedgerEntry | undefined> {
    const { Item } = await this.dynamo.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall({ pk: issueId, sk: email }),
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    const item = unmarshall(Item);
    return isExpired(item, this.clock()) ? undefined : toEntry(item);
  }

  async create(
    entry: LedgerEntry,
  ): Promise<{ created: true } | { created: false; existing: LedgerEntry | undefined }> {
    try {
      await this.dynamo.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({ pk: entry.issueId, sk: entry.email, ...entry }, { removeUndefinedValues: true }),
          // An expired row is absent to readers; the stand-in never deletes it, so overwrite it.
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
          ExpressionAttributeValues: marshall({ ':now': Math.floor(this.clock().getTime() / 1000) }),
        }),
      );
      return { created: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { created: false, existing: await this.get(entry.issueId, entry.email) };
    }
  }

  private async update(
    issueId: string,
    email: string,
    set: Record<string, unknown>,
    condition: string,
    conditionValues: Record<string, unknown>,
  ): Promise<boolean> {
    const names: Record<string, string> = { '#state': 'state' };
    const values: Record<string, unknown> = { ...conditionValues };
    const assignments = Object.entries(set).map(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:v${i}`] = value;
      return `#f${i} = :v${i}`;
    });
    try {
      await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ pk: issueId, sk: email }),
          UpdateExpression: `SET ${assignments.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  recordSent(row: LedgerEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pendingSent.push({ row, resolve, reject });
      if (this.pendingSent.length >= BATCH_WRITE_MAX) this.flushSent();
      else this.lingerTimer ??= setTimeout(() => this.flushSent(), this.sentLingerMs);
    });
  }

  /** Sends the waiting `sent` rows (25 at most; the rest wait for the next round). */
  flushSent(): void {
    if (this.pendingSent.length === 0) return;
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    // One request may not name an item twice; a second row for a key waits for the next request.
    const keys = new Set<string>();
    const batch: PendingRow[] = [];
    const later: PendingRow[] = [];
    for (const pending of this.pendingSent) {
      const key = `${pending.row.issueId}\u0000${pending.row.email}`;
      if (batch.length < BATCH_WRITE_MAX && !keys.has(key)) {
        keys.add(key);
        batch.push(pending);
      } else later.push(pending);
    }
    this.pendingSent = later;
    if (later.length >= BATCH_WRITE_MAX) this.flushSent();
    else if (later.length > 0) this.lingerTimer = setTimeout(() => this.flushSent(), this.sentLingerMs);
    void this.writeSent(batch);
  }

  private async writeSent(batch: PendingRow[]): Promise<void> {
    const byKey = new Map(batch.map((p) => [`${p.row.issueId}\u0000${p.row.email}`, p]));
    type Request = NonNullable<BatchWriteItemCommand['input']['RequestItems']>;
    let request: Request = {
      [this.tableName]: batch.map(({ row }) => ({
        PutRequest: {
          Item: marshall({ pk: row.issueId, sk: row.email, ...row }, { removeUndefinedValues: true }),
        },
      })),
    };
    try {
      for (let attempt = 1; ; attempt++) {
        this.sentRequests++;
        const result = await this.dynamo.send(new BatchWriteItemCommand({ RequestItems: request }));
        const unprocessed = result.UnprocessedItems?.[this.tableName] ?? [];
        const left = new Set(
          unprocessed.map((w) => {
            const item = unmarshall(w.PutRequest?.Item ?? {});
            return `${item.pk}\u0000${item.sk}`;
          }),
        );
        for (const [key, pending] of byKey) {
          if (!left.has(key)) {
            pending.resolve();
            byKey.delete(key);
          }
        }
        if (byKey.size === 0) return;
        if (attempt >= WRITE_ATTEMPTS) {
          throw new Error(
            `${byKey.size} sent ledger rows of ${this.tableName} stayed unprocessed after ${attempt} attempts`,
          );
        }
        request = { [this.tableName]: unprocessed };
        await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      }
    } catch (error) {
      for (const pending of byKey.values()) pending.reject(error);
    }
  }

  settleClaim(
    issueId: string,
    email: string,
    claimToken: string,
    settled: { state: 'failed' | 'skipped' | 'cancelled'; reason: string; at: string },
  ): Promise<boolean> {
    return this.update(
      issueId,
      email,
      { state: settled.state, reason: settled.reason, updatedAt: settled.at },
      'claimToken = :token AND #state = :claimed',
      { ':token': claimToken, ':claimed': 'claimed' },
    );
  }

  markUnknown(issueId: string, email: string, claimToken: string, at: string): Promise<boolean> {
    return this.update(
      issueId,
      email,
      { state: 'unknown', reason: 'claim outlived its lease: SES may have sent it', updatedAt: at },
      'claimToken = :token AND #state = :claimed',
      { ':token': claimToken, ':claimed': 'claimed' },
    );
  }

  settleFromSendEvent(
    issueId: string,
    email: string,
    sent: { messageId: string; sentAt: string; at: string },
  ): Promise<boolean> {
    return this.update(
      issueId,
      email,
      {
        state: 'sent',
        messageId: sent.messageId,
        sentAt: sent.sentAt,
        reason: 'settled by the SES Send event',
        updatedAt: sent.at,
      },
      '#state IN (:claimed, :unknown)',
      { ':claimed': 'claimed', ':unknown': 'unknown' },
    );
  }

  claimUnknown(issueId: string, email: string, claimToken: string, at: string): Promise<boolean> {
    return this.update(
      issueId,
      email,
      { state: 'claimed', claimToken, claimedAt: at, updatedAt: at },
      '#state = :unknown',
      { ':unknown': 'unknown' },
    );
  }

  async release(issueId: string, email: string, claimToken: string): Promise<boolean> {
    try {
      await this.dynamo.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: marshall({ pk: issueId, sk: email }),
          ConditionExpression: 'claimToken = :token AND #state = :claimed',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: marshall({ ':token': claimToken, ':claimed': 'claimed' }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async recordResend(
    issueId: string,
    email: string,
    sent: { messageId: string; sentAt: string },
  ): Promise<void> {
    await this.dynamo.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall({ pk: issueId, sk: email }),
        UpdateExpression:
          'SET resends = if_not_exists(resends, :zero) + :one, resentAt = :at, lastResendMessageId = :id, updatedAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: marshall({
          ':zero': 0,
          ':one': 1,
          ':at': sent.sentAt,
          ':id': sent.messageId,
        }),
      }),
    );
  }

  async *list(issueId: string): AsyncIterable<LedgerEntry> {
    let start: QueryCommand['input']['ExclusiveStartKey'];
    const now = this.clock();
    do {
      const page = await this.dynamo.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :issue',
          ExpressionAttributeValues: marshall({ ':issue': issueId }),
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const raw of page.Items ?? []) {
        const item = unmarshall(raw);
        if (!isExpired(item, now)) yield toEntry(item);
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }
}

function toEntry(item: Record<string, unknown>): LedgerEntry {
  const { pk: _pk, sk: _sk, ...entry } = item;
  return entry as unknown as LedgerEntry;
}
