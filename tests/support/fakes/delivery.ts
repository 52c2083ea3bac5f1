import type { Issue, IssueState, IssueWaves, LedgerEntry } from '../../../lambdas/core/issue.js';
import type {
  IssueStore,
  LedgerStore,
  MessageBuilder,
  SendBatch,
  SendQueue,
  SubscriberStore,
} from '../../../lambdas/core/ports.js';
import type { SendDeps } from '../../../lambdas/core/send.js';
import type { Subscriber } from '../../../lambdas/core/subscriber.js';
import type { ManualClock } from './clock.js';

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
  async updateWaves(
    issueId: string,
    waves: IssueWaves,
    counts: Issue['counts'],
    revision: number,
    at: string,
  ): Promise<boolean> {
    const current = this.items.get(issueId);
    if (current?.state !== 'sending' || current.waves?.revision !== revision) return false;
    this.items.set(issueId, clone({ ...current, waves, counts, updatedAt: at }));
    return true;
  }
  readonly settled = new Map<string, number>();
  async countSettled(issueId: string, settled: number): Promise<number> {
    const count = (this.settled.get(issueId) ?? 0) + settled;
    this.settled.set(issueId, count);
    return count;
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
  async settleFromSendEvent(
    issueId: string,
    email: string,
    sent: { messageId: string; sentAt: string; at: string },
  ) {
    return this.patch(issueId, email, (r) => r.state === 'claimed' || r.state === 'unknown', {
      state: 'sent',
      messageId: sent.messageId,
      sentAt: sent.sentAt,
      reason: 'settled by the SES Send event',
      updatedAt: sent.at,
    });
  }
  async claimUnknown(issueId: string, email: string, token: string, at: string) {
    return this.patch(issueId, email, (r) => r.state === 'unknown', {
      state: 'claimed',
      claimToken: token,
      claimedAt: at,
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

export class ArrayQueue implements SendQueue {
  readonly batches: SendBatch[] = [];
  async enqueue(batches: readonly SendBatch[]): Promise<void> {
    this.batches.push(...batches.map(clone));
  }
  take(): SendBatch[] {
    return this.batches.splice(0);
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

/**
 * Send dependencies on in-memory parts: plain messages, no rate limit, waits that advance the
 * manual clock instead of sleeping, and claim tokens `token-1`, `token-2`, ...
 */
export function memorySendDeps(
  parts: Pick<SendDeps, 'issues' | 'ledger' | 'subscribers' | 'mailer' | 'leaseMs'> &
    Partial<SendDeps> & { clock: ManualClock },
): SendDeps {
  const { clock } = parts;
  let tokens = 0;
  return {
    messages: plainMessages,
    limiter: { acquire: async () => undefined },
    sleep: async (ms) => clock.advance(ms),
    newToken: () => `token-${++tokens}`,
    ...parts,
  };
}
