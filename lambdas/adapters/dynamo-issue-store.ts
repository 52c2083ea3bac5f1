import { createHash } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Issue, IssueState, IssueWaves } from '../core/issue.js';
import type { IssueStore } from '../core/ports.js';
import { isConditionFailure } from './tables.js';

/**
 * Issue records in the `issues` table. Key layout: `pk = ISSUE#<issue id>`, `sk = ISSUE`; the
 * `byEdition` index lists an edition's issues by local date (`gsi1pk = <edition>`,
 * `gsi1sk = <YYYY-MM-DD>`).
 *
 * The rendered html and text (up to ~80 KB) live in a separate, content-addressed item
 * (`sk = CONTENT#<hash>`) that the record points to. DynamoDB charges a read by the whole item's
 * size whatever the projection, and the sender reads the record's state for every reader: kept
 * small, that read costs one unit instead of twenty. Content items never change once written, so
 * this store caches them.
 */
/** The key of an issue's record. */
export function issueKey(issueId: string): { pk: string; sk: string } {
  return { pk: `ISSUE#${issueId}`, sk: 'ISSUE' };
}

/** The key of an issue's rendered content with that content id. */
export function issueContentKey(issueId: string, contentId: string): { pk: string; sk: string } {
  return { pk: `ISSUE#${issueId}`, sk: `CONTENT#${contentId}` };
}

interface IssueContent {
  html?: string;
  text?: string;
}

/** Content items kept per store instance; a send worker needs one or two at a time. */
const CONTENT_CACHE_SIZE = 16;

export class DynamoIssueStore implements IssueStore {
  private readonly contents = new Map<string, IssueContent>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private key(issueId: string): { pk: string; sk: string } {
    return issueKey(issueId);
  }

  private item(issue: Issue, contentId: string | undefined): Record<string, unknown> {
    const { html: _html, text: _text, ...record } = issue;
    return {
      ...this.key(issue.id),
      gsi1pk: issue.edition,
      gsi1sk: issue.localDate,
      ...record,
      ...(contentId ? { contentId } : {}),
    };
  }

  /** Writes the issue's html and text under an id derived from them; the same content, the same item. */
  private async putContent(issue: Issue): Promise<string | undefined> {
    if (issue.html === undefined && issue.text === undefined) return undefined;
    const content: IssueContent = {
      ...(issue.html !== undefined ? { html: issue.html } : {}),
      ...(issue.text !== undefined ? { text: issue.text } : {}),
    };
    const contentId = createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 32);
    if (!this.contents.has(`${issue.id}/${contentId}`)) {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...issueContentKey(issue.id, contentId), ...content },
        }),
      );
      this.remember(`${issue.id}/${contentId}`, content);
    }
    return contentId;
  }

  private remember(key: string, content: IssueContent): void {
    this.contents.set(key, content);
    if (this.contents.size > CONTENT_CACHE_SIZE) {
      const oldest = this.contents.keys().next().value;
      if (oldest !== undefined) this.contents.delete(oldest);
    }
  }

  /** The record with its content attached. */
  private async withContent(item: Record<string, unknown>): Promise<Issue> {
    const issue = toIssue(item);
    const contentId = typeof item.contentId === 'string' ? item.contentId : undefined;
    if (!contentId) return issue;
    const cacheKey = `${issue.id}/${contentId}`;
    let content = this.contents.get(cacheKey);
    if (!content) {
      const { Item } = await this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: issueContentKey(issue.id, contentId),
          ConsistentRead: true,
        }),
      );
      if (!Item) throw new Error(`issue ${issue.id} points to content ${contentId}, which is missing`);
      content = {
        ...(typeof Item.html === 'string' ? { html: Item.html } : {}),
        ...(typeof Item.text === 'string' ? { text: Item.text } : {}),
      };
      this.remember(cacheKey, content);
    }
    return { ...issue, ...content };
  }

  /**
   * Adds to the issue's settled-readers counter, an item of its own (`sk = SETTLED`) so that
   * replacing the record never resets it; one small conditional-free update per send message.
   */
  async countSettled(issueId: string, settled: number): Promise<number> {
    const { Attributes } = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `ISSUE#${issueId}`, sk: 'SETTLED' },
        UpdateExpression: 'ADD settled :n',
        ExpressionAttributeValues: { ':n': settled },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.settled ?? 0);
  }

  async get(issueId: string): Promise<Issue | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(issueId), ConsistentRead: true }),
    );
    return Item ? this.withContent(Item) : undefined;
  }

  async getState(issueId: string): Promise<IssueState | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: this.key(issueId),
        ConsistentRead: true,
        ProjectionExpression: '#state',
        ExpressionAttributeNames: { '#state': 'state' },
      }),
    );
    return Item?.state as IssueState | undefined;
  }

  async create(issue: Issue): Promise<boolean> {
    return this.conditionalPut(issue, 'attribute_not_exists(pk)', {});
  }

  async replace(issue: Issue, from: readonly IssueState[]): Promise<Issue | undefined> {
    if (from.length === 0) return undefined;
    const values = Object.fromEntries(from.map((state, i) => [`:from${i}`, state]));
    const written = await this.conditionalPut(
      issue,
      `#state IN (${Object.keys(values).join(', ')})`,
      values,
      { '#state': 'state' },
    );
    return written ? issue : undefined;
  }

  private async conditionalPut(
    issue: Issue,
    condition: string,
    values: Record<string, unknown>,
    names?: Record<string, string>,
  ): Promise<boolean> {
    // Content first: a record never points to content that is not there.
    const contentId = await this.putContent(issue);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.item(issue, contentId),
          ConditionExpression: condition,
          ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
          ...(names ? { ExpressionAttributeNames: names } : {}),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** One conditional update of the record: the waves, the counts and `updatedAt`, nothing else. */
  async updateWaves(
    issueId: string,
    waves: IssueWaves,
    counts: Issue['counts'],
    revision: number,
    at: string,
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(issueId),
          UpdateExpression: 'SET waves = :waves, #counts = :counts, updatedAt = :at',
          ConditionExpression: '#state = :sending AND waves.revision = :revision',
          ExpressionAttributeNames: { '#state': 'state', '#counts': 'counts' },
          ExpressionAttributeValues: {
            ':waves': waves,
            ':counts': counts,
            ':at': at,
            ':sending': 'sending',
            ':revision': revision,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async listByEdition(edition: string, options: { limit?: number } = {}): Promise<Issue[]> {
    const limit = options.limit ?? 20;
    const out: Issue[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'byEdition',
          KeyConditionExpression: 'gsi1pk = :edition',
          ExpressionAttributeValues: { ':edition': edition },
          ScanIndexForward: false,
          Limit: limit - out.length,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      out.push(...(page.Items ?? []).map(toIssue));
      start = page.LastEvaluatedKey;
    } while (start && out.length < limit);
    return out;
  }
}

function toIssue(item: Record<string, unknown>): Issue {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, contentId: _c, ...issue } = item;
  return issue as unknown as Issue;
}
