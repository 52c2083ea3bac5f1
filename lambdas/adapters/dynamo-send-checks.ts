import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IssueState } from '../core/issue.js';
import type { SendCheck, SendChecks } from '../core/ports.js';
import { normalizeEmail, type Subscriber } from '../core/subscriber.js';
import { issueKey } from './dynamo-issue-store.js';
import { PROFILE_SK, profileKey, suppressionHash } from './dynamo-subscriber-store.js';
import { isExpired } from './tables.js';

/** The subscriber store's suppression entry key (its layout; kept in step by this adapter's tests). */
const SUPPRESSION_SK = 'SUPPRESS';
const MAX_ATTEMPTS = 5;

/**
 * Everything the sender checks before mailing a reader, in one strongly consistent BatchGetItem
 * across the issues and subscribers tables: the issue's state, the reader's profile and their
 * suppression entry. One request instead of three per message; the verdict on suppression is the
 * subscriber store's `isSuppressed` rule, which the tests compare case by case.
 */
export class DynamoSendChecks implements SendChecks {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: { issues: string; subscribers: string },
    private readonly now: () => Date = () => new Date(),
  ) {}

  async check(issueId: string, email: string): Promise<SendCheck> {
    const address = normalizeEmail(email);
    const suppressionKey = { pk: `SUPPRESS#${suppressionHash(address)}`, sk: SUPPRESSION_SK };
    let request: Record<
      string,
      {
        Keys: Record<string, unknown>[];
        ConsistentRead: boolean;
        ProjectionExpression?: string;
        ExpressionAttributeNames?: Record<string, string>;
      }
    > = {
      [this.tables.issues]: {
        Keys: [issueKey(issueId)],
        ConsistentRead: true,
        ProjectionExpression: 'pk, #state',
        ExpressionAttributeNames: { '#state': 'state' },
      },
      [this.tables.subscribers]: { Keys: [profileKey(address), suppressionKey], ConsistentRead: true },
    };
    const issues: Record<string, unknown>[] = [];
    const subscribers: Record<string, unknown>[] = [];
    for (let attempt = 1; Object.keys(request).length > 0; attempt++) {
      const result = await this.doc.send(new BatchGetCommand({ RequestItems: request }));
      issues.push(...(result.Responses?.[this.tables.issues] ?? []));
      subscribers.push(...(result.Responses?.[this.tables.subscribers] ?? []));
      request = (result.UnprocessedKeys ?? {}) as typeof request;
      if (Object.keys(request).length > 0) {
        if (attempt >= MAX_ATTEMPTS)
          throw new Error(`send checks for ${issueId} stayed unprocessed after ${attempt} attempts`);
        await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
      }
    }
    const profile = subscribers.find((item) => item.sk === PROFILE_SK && !isExpired(item, this.now()));
    const entry = subscribers.find((item) => item.sk === SUPPRESSION_SK);
    const suppressed =
      profile?.status === 'bounced' ||
      profile?.status === 'complained' ||
      entry?.reason === 'bounced' ||
      entry?.reason === 'complained' ||
      (entry !== undefined && profile === undefined);
    const subscriber = profile
      ? {
          status: profile.status as Subscriber['status'],
          editions: Array.isArray(profile.editions) ? (profile.editions as string[]) : [],
          ...(typeof profile.name === 'string' ? { name: profile.name } : {}),
        }
      : undefined;
    return { state: issues[0]?.state as IssueState | undefined, subscriber, suppressed };
  }
}
