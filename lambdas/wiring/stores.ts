import type { DynamoBriefStore } from '../adapters/dynamo-brief-store.js';
import type { IssueStore, LedgerStore, SendChecks, SubscriberStore } from '../core/ports.js';
import { briefStore } from './stores/brief.js';
import { issueStore } from './stores/issue.js';
import { ledgerStore } from './stores/ledger.js';
import type { StoreParts } from './stores/parts.js';
import { sendChecks } from './stores/send-checks.js';
import { subscriberStore } from './stores/subscriber.js';

/**
 * The DynamoDB stores. Each has its factory in a module of its own (`stores/`), so a Lambda
 * function imports, and its bundle carries, only the stores it builds; {@link wireStores} builds
 * them all (the CLI's targets). Nothing is read until a store is used.
 */
export type { StoreParts } from './stores/parts.js';

export interface Stores {
  briefs: DynamoBriefStore;
  issues: IssueStore;
  ledger: LedgerStore;
  subscribers: SubscriberStore;
  /** The sender's per-reader checks in one request. */
  checks: SendChecks;
}

/** Every store on a target's tables. */
export function wireStores(parts: StoreParts): Stores {
  return {
    briefs: briefStore(parts),
    issues: issueStore(parts),
    ledger: ledgerStore(parts),
    subscribers: subscriberStore(parts),
    checks: sendChecks(parts),
  };
}
