import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TTL_ATTRIBUTE } from '../tables.js';

/** Counts a client's requests in fixed one-minute windows. */
export interface ClientRequestLimit {
  /** Counts one request; says whether it is over the limit and how long until the window resets. */
  hit(client: string, now: Date): Promise<{ limited: boolean; retryAfterSeconds: number }>;
}

const WINDOW_MS = 60_000;

function windowOf(now: Date): { start: number; retryAfterSeconds: number } {
  const start = Math.floor(now.getTime() / WINDOW_MS) * WINDOW_MS;
  return { start, retryAfterSeconds: Math.max(1, Math.ceil((start + WINDOW_MS - now.getTime()) / 1000)) };
}

/**
 * Per-process counters: right for `tidings dev` and one long-lived server. Memory stays bounded:
 * counters of past windows are dropped as soon as a new window starts.
 */
export class MemoryClientRequestLimit implements ClientRequestLimit {
  private window = 0;
  private counts = new Map<string, number>();

  constructor(private readonly perMinute: number) {}

  async hit(client: string, now: Date): Promise<{ limited: boolean; retryAfterSeconds: number }> {
    const { start, retryAfterSeconds } = windowOf(now);
    if (start !== this.window) {
      this.window = start;
      this.counts = new Map();
    }
    const count = (this.counts.get(client) ?? 0) + 1;
    this.counts.set(client, count);
    return { limited: count > this.perMinute, retryAfterSeconds };
  }
}

/**
 * Counters shared by every Lambda instance: one item per client and minute in the subscribers
 * table (pk `RATE#<sha-256 of client>`, sk the window start), incremented atomically and expired
 * by TTL. The client address itself is never stored. If DynamoDB is unavailable the request is let
 * through: the limit is a brake on abuse, not a reason to turn readers away.
 */
export class DynamoClientRequestLimit implements ClientRequestLimit {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly perMinute: number,
  ) {}

  async hit(client: string, now: Date): Promise<{ limited: boolean; retryAfterSeconds: number }> {
    const { start, retryAfterSeconds } = windowOf(now);
    const hash = createHash('sha256').update(`rate\u0000${client}`).digest('hex').slice(0, 32);
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `RATE#${hash}`, sk: String(start) },
          UpdateExpression: 'ADD hits :one SET #ttl = if_not_exists(#ttl, :expires)',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':one': 1, ':expires': Math.floor((start + 2 * WINDOW_MS) / 1000) },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return { limited: Number(Attributes?.hits ?? 0) > this.perMinute, retryAfterSeconds };
    } catch {
      return { limited: false, retryAfterSeconds };
    }
  }
}
