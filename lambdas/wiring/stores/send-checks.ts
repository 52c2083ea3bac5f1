import { DynamoSendChecks } from '../../adapters/dynamo-send-checks.js';
import type { SendChecks } from '../../core/ports.js';
import type { StoreParts } from './parts.js';

/** The sender's per-reader checks in one request. */
export function sendChecks({ clients, tables, now }: StoreParts): SendChecks {
  return new DynamoSendChecks(
    clients.dynamo,
    { issues: tables.issues, subscribers: tables.subscribers },
    now,
  );
}
