import { fanOut } from './compose.js';
import { type Issue, type LedgerEntry, RECENT_ISSUES } from './issue.js';
import type { IssueStore, LedgerStore, SendBatch, SendQueue, SubscriberStore } from './ports.js';
import { wavesDone } from './waves.js';

/**
 * Recovery without an operator (invariant 3): an issue left `sending` by an interrupted send (a
 * killed process, a timed-out Lambda, a queue message gone to the dead-letter queue) is finished
 * by the next scheduled pass. The pass fans the issue out again, but only to the readers whose
 * ledger row is missing or still a claim: readers with no row are sent as usual, and a claim is
 * settled by the sender that finds it (`unknown` once its lease has passed, unless SES's Send
 * event said `sent` first). The fan-out itself picks the readers due now, so later waves keep
 * their own time. Once the queue has drained, completion moves the issue to `sent`.
 */

/** Ledger states that settle a reader for good: a recovery pass does not queue them again. */
const SETTLED = new Set(['sent', 'failed', 'unknown', 'cancelled', 'skipped']);

export interface SendingProgress {
  issueId: string;
  /** Readers the latest fan-out queued. */
  enqueued: number;
  /** Rows settled for good. */
  settled: number;
  /** Claims still open (a send in flight, or one a crash left behind). */
  claims: number;
  /** Claims older than the lease: their sender is gone. */
  staleClaims: number;
  /** Readers queued who have no ledger row yet (at least; the fan-out may have grown since). */
  noRow: number;
  /** When anything last happened to the issue: its record or any of its ledger rows. */
  lastActivity: Date;
  /**
   * Nothing has happened for longer than the lease while readers remain: the send was
   * interrupted, and the next scheduled pass finishes it.
   */
  interrupted: boolean;
}

/** How far a `sending` issue has come, from its record and its ledger rows. */
export function sendingProgress(
  issue: Pick<Issue, 'id' | 'state' | 'counts' | 'updatedAt'>,
  rows: readonly Pick<LedgerEntry, 'state' | 'updatedAt' | 'claimedAt'>[],
  now: Date,
  leaseMs: number,
): SendingProgress {
  let settled = 0;
  let claims = 0;
  let staleClaims = 0;
  let last = Date.parse(issue.updatedAt);
  for (const row of rows) {
    last = Math.max(last, Date.parse(row.updatedAt));
    if (SETTLED.has(row.state)) settled++;
    else {
      claims++;
      if (now.getTime() - Date.parse(row.claimedAt ?? row.updatedAt) >= leaseMs) staleClaims++;
    }
  }
  const noRow = Math.max(0, issue.counts.enqueued - settled - claims);
  const remaining = noRow + claims;
  return {
    issueId: issue.id,
    enqueued: issue.counts.enqueued,
    settled,
    claims,
    staleClaims,
    noRow,
    lastActivity: new Date(last),
    interrupted: issue.state === 'sending' && remaining > 0 && now.getTime() - last >= leaseMs,
  };
}

export interface ResumeDeps {
  issues: IssueStore;
  ledger: Pick<LedgerStore, 'list'>;
  subscribers: Pick<SubscriberStore, 'listActive'>;
  queue: SendQueue;
  batchSize?: number;
}

export interface Resumed {
  issueId: string;
  /** Readers queued again (no row, or a claim to settle); 0 when only completion was missing. */
  requeued: number;
}

/**
 * Fans out again the edition's recent `sending` issues (all but `except`, which the caller has
 * just fanned out itself) whose last activity is at least `quietMs` old, to the readers the ledger
 * has not settled. A reader already settled is never queued again. `listed`: the edition's recent
 * issues when the caller has just read them (`listByEdition`); each one resumed is read again.
 */
export async function resumeSending(
  deps: ResumeDeps,
  edition: string,
  now: Date,
  options: { quietMs: number; except?: string; limit?: number; listed?: readonly Issue[] },
): Promise<Resumed[]> {
  const recent =
    options.listed ?? (await deps.issues.listByEdition(edition, { limit: options.limit ?? RECENT_ISSUES }));
  const sending = recent.filter((issue) => issue.state === 'sending' && issue.id !== options.except);
  const resumed: Resumed[] = [];
  for (const issue of sending) {
    const settled = new Set<string>();
    let claims = 0;
    let last = Date.parse(issue.updatedAt);
    for await (const row of deps.ledger.list(issue.id)) {
      last = Math.max(last, Date.parse(row.updatedAt));
      if (SETTLED.has(row.state)) settled.add(row.email);
      else claims++;
    }
    // Every reader a finished fan-out queued is settled (the crash came before completion):
    // nothing to queue, completion finishes it. (An issue whose fan-out never finished has no count
    // to go by: it is fanned out.)
    if (issue.counts.fanouts > 0 && claims === 0 && settled.size >= issue.counts.enqueued) {
      // An issue in waves whose next wave is still to come is not interrupted: it waits.
      if (wavesDone(issue.waves)) resumed.push({ issueId: issue.id, requeued: 0 });
      continue;
    }
    if (options.quietMs > 0 && now.getTime() - last < options.quietMs) continue;
    // Listings carry the record only; the fan-out stores the issue back, so it needs all of it.
    const full = await deps.issues.get(issue.id);
    if (full?.state !== 'sending') continue;
    let requeued = 0;
    const filtered: SendQueue = {
      async enqueue(batches: readonly SendBatch[]): Promise<void> {
        const open = batches
          .map((batch) => ({ ...batch, recipients: batch.recipients.filter((r) => !settled.has(r.email)) }))
          .filter((batch) => batch.recipients.length > 0);
        for (const batch of open) requeued += batch.recipients.length;
        if (open.length > 0) await deps.queue.enqueue(open);
      },
    };
    await fanOut(
      {
        issues: deps.issues,
        subscribers: deps.subscribers,
        queue: filtered,
        ...(deps.batchSize ? { batchSize: deps.batchSize } : {}),
      },
      full,
      now,
    );
    resumed.push({ issueId: issue.id, requeued });
  }
  return resumed;
}
