import { DynamoBriefStore } from '../adapters/dynamo-brief-store.js';
import { DynamoIssueStore } from '../adapters/dynamo-issue-store.js';
import { DynamoLedgerStore } from '../adapters/dynamo-ledger-store.js';
import { DynamoSendChecks } from '../adapters/dynamo-send-checks.js';
import { DynamoSubscriberStore } from '../adapters/dynamo-subscriber-store.js';
import type { TableNames } from '../adapters/tables.js';
import type { IssueStore, LedgerStore, SendChecks, SubscriberStore } from '../core/ports.js';
import type { TargetClients } from './target.js';

/** The DynamoDB stores of a target (plain objects: nothing is read until one is used). */
export interface Stores {
  briefs: DynamoBriefStore;
  issues: IssueStore;
  ledger: LedgerStore;
  subscribers: SubscriberStore;
  /** The sender's per-reader checks in one request. */
  checks: SendChecks;
}

/** Every store on a target's tables; the clock stamps what the stores write. */
export function wireStores(
  clients: Pick<TargetClients, 'dynamo' | 'doc'>,
  tables: TableNames,
  now: () => Date,
): Stores {
  return {
    briefs: new DynamoBriefStore(clients.doc, tables.briefs),
    issues: new DynamoIssueStore(clients.doc, tables.issues),
    ledger: new DynamoLedgerStore(clients.dynamo, tables.ledger, now),
    subscribers: new DynamoSubscriberStore(clients.doc, tables.subscribers, now),
    checks: new DynamoSendChecks(
      clients.dynamo,
      { issues: tables.issues, subscribers: tables.subscribers },
      now,
    ),
  };
}
