import { BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { IssueState } from '../core/issue.js';
import type { SendCheck, SendChecks } from '../core/ports.js';
import { normalizeEmail, type Subscriber } from '../core/subscriber.js';
import { issueKey } from './dynamo-issue-store.js';
import { profileKey, suppressionHash } from './dynamo-subscriber-store.js';
import { isExpired } from './tables.js';

/** The subscriber store's suppression entry key (its layout; kept in step by this adapter's tests). */
const SUPPRESSION_SK = 'SUPPRESS';
const MAX_ATTEMPTS = 5;
/** BatchGetItem's limit on keys per request. */
const MAX_KEYS = 100;

/**
 * How long the first check of a round waits for others to share its request, when checks are
 * coming in (the last read ended less than this long ago); a lone check (a process's first, a
 * sender alone) reads at once. Ten milliseconds: next to a send's own pacing (a sender's share of
 * the account's rate, about 100 ms a message) it is nothing, and the concurrent senders of a batch
 * then share one read among four or five.
 */
const DEFAULT_LINGER_MS = 10;

export interface DynamoSendChecksOptions {
  /** See {@link DEFAULT_LINGER_MS}; 0 reads at the end of the current turn of the event loop. */
  lingerMs?: number;
}

interface Waiter {
  issueId: string;
  address: string;
  resolve(check: SendCheck): void;
  reject(error: unknown): void;
}

type Item = Record<string, unknown>;

/**
 * Everything the sender checks before mailing a reader, strongly consistent, in BatchGetItem
 * requests across the issues and subscribers tables: the issue's state, the reader's profile and
 * their suppression entry. The verdict on suppression is the subscriber store's `isSuppressed`
 * rule, which the tests compare case by case.
 *
 * Checks asked for at the same time share requests: while one read is on its way, the checks asked
 * for meanwhile wait and go together in the next one (an issue's key once, however many of its
 * readers). Every answer therefore comes from a read that began after it was asked for, as a read
 * of its own would, so a reader who unsubscribed, or an issue cancelled, before the check was asked
 * for is always seen. With one sender at a time it is one request per reader, as before; with
 * several (the records of one SQS batch are handled in parallel) it is fewer, the more so as the
 * first check of a round lingers a few milliseconds for the others while checks keep coming.
 */
export class DynamoSendChecks implements SendChecks {
  private waiting: Waiter[] = [];
  private reading = false;
  /** When the last round of reads ended (`performance.now()`). */
  private lastRead = Number.NEGATIVE_INFINITY;
  /** BatchGetItem requests made (for tests and benchmarks). */
  requests = 0;

  private readonly lingerMs: number;

  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly tables: { issues: string; subscribers: string },
    private readonly now: () => Date = () => new Date(),
    options: DynamoSendChecksOptions = {},
  ) {
    this.lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
  }

  check(issueId: string, email: string): Promise<SendCheck> {
    return new Promise<SendCheck>((resolve, reject) => {
      this.waiting.push({ issueId, address: normalizeEmail(email), resolve, reject });
      if (!this.reading) void this.readWaiting();
    });
  }

  /** Reads for everyone waiting, round after round, until no one is. */
  private async readWaiting(): Promise<void> {
    this.reading = true;
    try {
      // Checks asked for within the linger (or, without one or for a lone check, in the same turn
      // of the event loop) go in the first read together.
      const company = performance.now() - this.lastRead < this.lingerMs;
      if (company) await new Promise((resolve) => setTimeout(resolve, this.lingerMs));
      else await Promise.resolve();
      while (this.waiting.length > 0) {
        const round = this.waiting;
        this.waiting = [];
        await Promise.all(chunk(round).map((group) => this.readGroup(group)));
      }
    } finally {
      this.reading = false;
      this.lastRead = performance.now();
    }
  }

  private async readGroup(group: Waiter[]): Promise<void> {
    try {
      const issueIds = [...new Set(group.map((w) => w.issueId))];
      const addresses = [...new Set(group.map((w) => w.address))];
      const { issues, subscribers } = await this.read(issueIds, addresses);
      const now = this.now();
      for (const waiter of group) waiter.resolve(verdict(waiter, issues, subscribers, now));
    } catch (error) {
      for (const waiter of group) waiter.reject(error);
    }
  }

  private async read(
    issueIds: string[],
    addresses: string[],
  ): Promise<{ issues: Map<string, Item>; subscribers: Map<string, Item> }> {
    type Request = NonNullable<BatchGetItemCommand['input']['RequestItems']>;
    let request: Request = {
      [this.tables.issues]: {
        Keys: issueIds.map((id) => marshall(issueKey(id))),
        ConsistentRead: true,
        ProjectionExpression: 'pk, #state',
        ExpressionAttributeNames: { '#state': 'state' },
      },
      [this.tables.subscribers]: {
        Keys: addresses.flatMap((address) => [
          marshall(profileKey(address)),
          marshall(suppressionKey(address)),
        ]),
        ConsistentRead: true,
      },
    };
    const issues = new Map<string, Item>();
    const subscribers = new Map<string, Item>();
    for (let attempt = 1; Object.keys(request).length > 0; attempt++) {
      this.requests++;
      const result = await this.dynamo.send(new BatchGetItemCommand({ RequestItems: request }));
      for (const raw of result.Responses?.[this.tables.issues] ?? []) {
        const item = unmarshall(raw);
        issues.set(String(item.pk), item);
      }
      for (const raw of result.Responses?.[this.tables.subscribers] ?? []) {
        const item = unmarshall(raw);
        subscribers.set(`${item.pk}\u0000${item.sk}`, item);
      }
      request = (result.UnprocessedKeys ?? {}) as Request;
      if (Object.keys(request).length > 0) {
        if (attempt >= MAX_ATTEMPTS)
          throw new Error(`send checks stayed unprocessed after ${attempt} attempts`);
        await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
      }
    }
    return { issues, subscribers };
  }
}

function suppressionKey(address: string): { pk: string; sk: string } {
  return { pk: `SUPPRESS#${suppressionHash(address)}`, sk: SUPPRESSION_SK };
}

const keyOf = (key: { pk: string; sk: string }): string => `${key.pk}\u0000${key.sk}`;

/** Splits waiters into groups whose keys (two per address, one per issue) fit one request. */
function chunk(waiters: Waiter[]): Waiter[][] {
  const groups: Waiter[][] = [];
  let group: Waiter[] = [];
  let issues = new Set<string>();
  let addresses = new Set<string>();
  for (const waiter of waiters) {
    const keys =
      issues.size +
      (issues.has(waiter.issueId) ? 0 : 1) +
      2 * (addresses.size + (addresses.has(waiter.address) ? 0 : 1));
    if (keys > MAX_KEYS) {
      groups.push(group);
      group = [];
      issues = new Set();
      addresses = new Set();
    }
    group.push(waiter);
    issues.add(waiter.issueId);
    addresses.add(waiter.address);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

function verdict(
  waiter: Waiter,
  issues: Map<string, Item>,
  subscribers: Map<string, Item>,
  now: Date,
): SendCheck {
  const profileItem = subscribers.get(keyOf(profileKey(waiter.address)));
  const profile = profileItem && !isExpired(profileItem, now) ? profileItem : undefined;
  const entry = subscribers.get(keyOf(suppressionKey(waiter.address)));
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
  const state = issues.get(issueKey(waiter.issueId).pk)?.state as IssueState | undefined;
  return { state, subscriber, suppressed };
}
