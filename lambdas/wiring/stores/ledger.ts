import { DynamoLedgerStore } from '../../adapters/dynamo-ledger-store.js';
import type { LedgerStore } from '../../core/ports.js';
import type { StoreParts } from './parts.js';

export function ledgerStore({ clients, tables, now }: StoreParts): LedgerStore {
  return new DynamoLedgerStore(clients.dynamo, tables.ledger, now);
}
