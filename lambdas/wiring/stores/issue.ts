import { DynamoIssueStore } from '../../adapters/dynamo-issue-store.js';
import type { IssueStore } from '../../core/ports.js';
import type { StoreParts } from './parts.js';

export function issueStore({ clients, tables }: StoreParts): IssueStore {
  return new DynamoIssueStore(clients.doc, tables.issues);
}
