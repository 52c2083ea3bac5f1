import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Issue, IssueState } from '../core/issue.js';
import type { IssueStore } from '../core/ports.js';

/**
 * Issue records in the `issues` table. Key layout: `pk = ISSUE#<issue id>`, `sk = ISSUE`; the
 * `byEdition` index lists an edition's issues by local date (`gsi1pk = <edition>`,
 * `gsi1sk = <YYYY-MM-DD>`).
 */
/** The key of an issue's record. */
export function issueKey(issueId: string): { pk: string; sk: string } {
  return { pk: `ISSUE#${issueId}`, sk: 'ISSUE' };
}

export class DynamoIssueStore implements IssueStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private key(issueId: string): { pk: string; sk: string } {
    return issueKey(issueId);
  }

  private item(issue: Issue): Record<string, unknown> {
    return { ...this.key(issue.id), gsi1pk: issue.edition, gsi1sk: issue.localDate, ...issue };
  }

  async get(issueId: string): Promise<Issue | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(issueId), ConsistentRead: true }),
    );
    return Item ? toIssue(Item) : undefined;
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
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.item(issue),
          ConditionExpression: condition,
          ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
          ...(names ? { ExpressionAttributeNames: names } : {}),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
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
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...issue } = item;
  return issue as unknown as Issue;
}
