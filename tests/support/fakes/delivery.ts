import type { Brief, StoredBrief } from '../../../lambdas/core/brief.js';
import type { Issue, IssueState, LedgerEntry } from '../../../lambdas/core/issue.js';
import type {
  BriefStore,
  IssueStore,
  LedgerStore,
  Mailer,
  MessageBuilder,
  OutgoingMessage,
  Page,
  SendBatch,
  SendQueue,
  SubscriberStore,
  UpsertOutcome,
} from '../../../lambdas/core/ports.js';
import { SUBSCRIBER_SHARDS } from '../../../lambdas/core/ports.js';
import type { Recipient, Subscriber, SubscriberStatus } from '../../../lambdas/core/subscriber.js';

/** What delivery uses of the subscriber port. */
export type DeliverySubscribers = Pick<
  SubscriberStore,
  'get' | 'save' | 'listActive' | 'list' | 'forget' | 'isSuppressed'
>;

/** In-memory stand-ins for the delivery ports, with the same conditional-write semantics. */

const clone = <T>(value: T): T => structuredClone(value);

export class MemoryIssueStore implements IssueStore {
  readonly items = new Map<string, Issue>();
  async get(issueId: string): Promise<Issue | undefined> {
    const issue = this.items.get(issueId);
    return issue && clone(issue);
  }
  async getState(issueId: string): Promise<IssueState | undefined> {
    return this.items.get(issueId)?.state;
  }
  async create(issue: Issue): Promise<boolean> {
    if (this.items.has(issue.id)) return false;
    this.items.set(issue.id, clone(issue));
    return true;
  }
  async replace(issue: Issue, from: readonly IssueState[]): Promise<Issue | undefined> {
    const current = this.items.get(issue.id);
    if (!current || !from.includes(current.state)) return undefined;
    this.items.set(issue.id, clone(issue));
    return clone(issue);
  }
  async listByEdition(edition: string, options: { limit?: number } = {}): Promise<Issue[]> {
    return [...this.items.values()]
      .filter((i) => i.edition === edition)
      .sort((a, b) => b.localDate.localeCompare(a.localDate))
      .slice(0, options.limit ?? 20)
      .map(clone);
  }
}

export class MemoryLedgerStore implements LedgerStore {
  readonly rows = new Map<string, LedgerEntry>();
  private key(issueId: string, email: string): string {
    return `${issueId}\u0000${email}`;
  }
  async get(issueId: string, email: string): Promise<LedgerEntry | undefined> {
    const row = this.rows.get(this.key(issueId, email));
    return row && clone(row);
  }
  async create(
    entry: LedgerEntry,
  ): Promise<{ created: true } | { created: false; existing: LedgerEntry | undefined }> {
    const key = this.key(entry.issueId, entry.email);
    const existing = this.rows.get(key);
    if (existing) return { created: false, existing: clone(existing) };
    this.rows.set(key, clone(entry));
    return { created: true };
  }
  private patch(
    issueId: string,
    email: string,
    ok: (row: LedgerEntry) => boolean,
    change: Partial<LedgerEntry>,
  ): boolean {
    const key = this.key(issueId, email);
    const row = this.rows.get(key);
    if (!row || !ok(row)) return false;
    this.rows.set(key, { ...row, ...change });
    return true;
  }
  /** Writes at once, so there is nothing to flush; tests may set it to watch the sender ask. */
  flushSent?: () => void;
  /** As the adapter, unconditional; but a core that records a claim it does not hold is a bug, so it throws. */
  async recordSent(row: LedgerEntry): Promise<void> {
    const key = this.key(row.issueId, row.email);
    const held = this.rows.get(key);
    if (
      !held ||
      held.claimToken !== row.claimToken ||
      (held.state !== 'claimed' && held.state !== 'unknown')
    ) {
      throw new Error(`recordSent for ${row.email}: the claim is not held by token ${row.claimToken}`);
    }
    this.rows.set(key, clone(row));
  }
  async settleClaim(
    issueId: string,
    email: string,
    token: string,
    settled: { state: 'failed' | 'skipped' | 'cancelled'; reason: string; at: string },
  ) {
    return this.patch(issueId, email, (r) => r.claimToken === token && r.state === 'claimed', {
      state: settled.state,
      reason: settled.reason,
      updatedAt: settled.at,
    });
  }
  async markUnknown(issueId: string, email: string, token: string, at: string) {
    return this.patch(issueId, email, (r) => r.claimToken === token && r.state === 'claimed', {
      state: 'unknown',
      updatedAt: at,
    });
  }
  async release(issueId: string, email: string, token: string) {
    const key = this.key(issueId, email);
    const row = this.rows.get(key);
    if (!row || row.claimToken !== token || row.state !== 'claimed') return false;
    this.rows.delete(key);
    return true;
  }
  async recordResend(issueId: string, email: string, sent: { messageId: string; sentAt: string }) {
    const key = this.key(issueId, email);
    const row = this.rows.get(key);
    if (!row) throw new Error('no such row');
    this.rows.set(key, {
      ...row,
      resends: (row.resends ?? 0) + 1,
      resentAt: sent.sentAt,
      lastResendMessageId: sent.messageId,
    });
  }
  async *list(issueId: string): AsyncIterable<LedgerEntry> {
    for (const row of [...this.rows.values()].sort((a, b) => a.email.localeCompare(b.email))) {
      if (row.issueId === issueId) yield clone(row);
    }
  }
  entries(issueId: string): LedgerEntry[] {
    return [...this.rows.values()].filter((r) => r.issueId === issueId);
  }
}

/** A subscriber store that keeps everything in a map; shards by a stable hash of the address. */
export class MemorySubscriberStore implements DeliverySubscribers {
  readonly items = new Map<string, Subscriber>();
  readonly suppressed = new Set<string>();
  /** Page size of `listActive`, small so tests cross page boundaries. */
  pageSize = 3;

  static shardOf(email: string): number {
    let h = 0;
    for (const c of email) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    return h % SUBSCRIBER_SHARDS;
  }
  async get(email: string): Promise<Subscriber | undefined> {
    const s = this.items.get(email);
    return s && clone(s);
  }
  async save(subscriber: Subscriber): Promise<void> {
    this.items.set(subscriber.email, clone(subscriber));
  }
  async listActive(edition: string, shard: number, cursor?: string): Promise<Page<Recipient>> {
    const all = [...this.items.values()]
      .filter(
        (s) =>
          s.status === 'active' &&
          s.editions.includes(edition) &&
          MemorySubscriberStore.shardOf(s.email) === shard,
      )
      .sort((a, b) => a.email.localeCompare(b.email));
    const start = cursor ? Number(cursor) : 0;
    const items = all
      .slice(start, start + this.pageSize)
      .map((s) => (s.name ? { email: s.email, name: s.name } : { email: s.email }));
    const next = start + this.pageSize;
    return next < all.length ? { items, cursor: String(next) } : { items };
  }
  async *list(filter: { edition?: string; status?: SubscriberStatus } = {}): AsyncIterable<Subscriber> {
    for (const s of this.items.values()) {
      if (filter.status && s.status !== filter.status) continue;
      if (filter.edition && !s.editions.includes(filter.edition)) continue;
      yield clone(s);
    }
  }
  async forget(email: string): Promise<boolean> {
    this.suppressed.add(email);
    return this.items.delete(email);
  }
  async isSuppressed(email: string): Promise<boolean> {
    return this.suppressed.has(email);
  }
}

export class MemoryBriefStore implements Pick<BriefStore, 'listByEdition' | 'get' | 'retract'> {
  readonly items = new Map<string, StoredBrief>();
  async upsert(brief: Brief, now: Date): Promise<UpsertOutcome> {
    const existing = this.items.get(brief.id);
    const stored: StoredBrief = {
      ...brief,
      contentHash: JSON.stringify(brief),
      ingestedAt: now.toISOString(),
    };
    if (existing && existing.contentHash === stored.contentHash) return 'unchanged';
    this.items.set(brief.id, stored);
    return existing ? 'updated' : 'new';
  }
  async get(id: string): Promise<StoredBrief | undefined> {
    return this.items.get(id);
  }
  async listByEdition(
    edition: string,
    options: { since?: string; until?: string; limit?: number; cursor?: string } = {},
  ): Promise<Page<StoredBrief>> {
    const all = [...this.items.values()]
      .filter((b) => !b.retracted && b.editions.includes(edition))
      .filter((b) => !options.since || b.updatedAt > options.since)
      .filter((b) => !options.until || b.updatedAt <= options.until)
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    const start = options.cursor ? Number(options.cursor) : 0;
    const limit = options.limit ?? 50;
    const items = all.slice(start, start + limit);
    return start + limit < all.length ? { items, cursor: String(start + limit) } : { items };
  }
  async retract(id: string): Promise<boolean> {
    const b = this.items.get(id);
    if (!b) return false;
    b.retracted = true;
    return true;
  }
}

export class ArrayQueue implements SendQueue {
  readonly batches: SendBatch[] = [];
  async enqueue(batches: readonly SendBatch[]): Promise<void> {
    this.batches.push(...batches.map(clone));
  }
  take(): SendBatch[] {
    return this.batches.splice(0);
  }
}

/** A mailer that records what it was given; `fail` decides per message what goes wrong. */
export class RecordingMailer implements Mailer {
  readonly sent: OutgoingMessage[] = [];
  fail: (message: OutgoingMessage, attempt: number) => Error | undefined = () => undefined;
  private attempts = new Map<string, number>();
  private counter = 0;
  async send(message: OutgoingMessage): Promise<{ messageId: string }> {
    const attempt = (this.attempts.get(message.to) ?? 0) + 1;
    this.attempts.set(message.to, attempt);
    const error = this.fail(message, attempt);
    if (error) throw error;
    this.sent.push(message);
    return { messageId: `msg-${++this.counter}` };
  }
  to(email: string): number {
    return this.sent.filter((m) => m.to === email).length;
  }
}

/** Builds a small text message naming the issue and the reader. */
export const plainMessages: MessageBuilder = {
  async build(issue, recipient) {
    return {
      raw: new TextEncoder().encode(
        `Subject: ${issue.subject ?? ''}\r\nTo: ${recipient.email}\r\n\r\n${issue.text ?? ''}`,
      ),
      from: 'digest@tidings.example',
      to: recipient.email,
      folder: issue.id,
    };
  },
};

/** A clock tests move by hand. */
export class ManualClock {
  constructor(public current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export function subscriber(
  email: string,
  editions: string[],
  overrides: Partial<Subscriber> = {},
): Subscriber {
  const at = '2026-11-01T00:00:00.000Z';
  return {
    email,
    status: 'active',
    editions,
    createdAt: at,
    updatedAt: at,
    consent: { method: 'operator', givenAt: at, confirmedAt: at },
    ...overrides,
  };
}
