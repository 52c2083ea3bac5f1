import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { LedgerEntry } from '../core/issue.js';
import type { LedgerStore } from '../core/ports.js';
import { isExpired } from './tables.js';

/**
 * The send ledger in the `ledger` table: `pk = <issue id>`, `sk = <recipient address>`. Every
 * write is a conditional single-item write; the claim token in the condition is what keeps one
 * attempt from completing or releasing another attempt's claim.
 */
export class DynamoLedgerStore implements LedgerStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async get(issueId: string, email: string): Promise<LedgerEntry | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: issueId, sk: email }, ConsistentRead: true }),
    );
    return Item && !isExpired(Item, this.clock()) ? toEntry(Item) : undefined;
  }

  async create(
    entry: LedgerEntry,
  ): Promise<{ created: true } | { created: false; existing: LedgerEntry | undefined }> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: entry.issueId, sk: entry.email, ...entry },
          // An expired row is absent to readers; the stand-in never deletes it, so overwrite it.
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
          ExpressionAttributeValues: { ':now': Math.floor(this.clock().getTime() / 1000) },
        }),
      );
      return { created: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
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
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: issueId, sk: email },
          UpdateExpression: `SET ${assignments.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  markSent(
    issueId: string,
    email: string,
    claimToken: string,
    sent: { messageId: string; sentAt: string },
  ): Promise<boolean> {
    // `unknown` too: a slow attempt that outlived its lease still knows best that SES took it.
    return this.update(
      issueId,
      email,
      { state: 'sent', messageId: sent.messageId, sentAt: sent.sentAt, updatedAt: sent.sentAt },
      'claimToken = :token AND #state IN (:claimed, :unknown)',
      { ':token': claimToken, ':claimed': 'claimed', ':unknown': 'unknown' },
    );
  }

  markFailed(
    issueId: string,
    email: string,
    claimToken: string,
    reason: string,
    at: string,
  ): Promise<boolean> {
    return this.update(
      issueId,
      email,
      { state: 'failed', reason, updatedAt: at },
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

  async release(issueId: string, email: string, claimToken: string): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: issueId, sk: email },
          ConditionExpression: 'claimToken = :token AND #state = :claimed',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':token': claimToken, ':claimed': 'claimed' },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async recordResend(
    issueId: string,
    email: string,
    sent: { messageId: string; sentAt: string },
  ): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: issueId, sk: email },
        UpdateExpression:
          'SET resends = if_not_exists(resends, :zero) + :one, resentAt = :at, lastResendMessageId = :id, updatedAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':at': sent.sentAt, ':id': sent.messageId },
      }),
    );
  }

  async *list(issueId: string): AsyncIterable<LedgerEntry> {
    let start: Record<string, unknown> | undefined;
    const now = this.clock();
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :issue',
          ExpressionAttributeValues: { ':issue': issueId },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) if (!isExpired(item, now)) yield toEntry(item);
      start = page.LastEvaluatedKey;
    } while (start);
  }
}

function toEntry(item: Record<string, unknown>): LedgerEntry {
  const { pk: _pk, sk: _sk, ...entry } = item;
  return entry as unknown as LedgerEntry;
}
