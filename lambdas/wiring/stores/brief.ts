import { DynamoBriefStore } from '../../adapters/dynamo-brief-store.js';
import type { StoreParts } from './parts.js';

export function briefStore({ clients, tables }: StoreParts): DynamoBriefStore {
  return new DynamoBriefStore(clients.doc, tables.briefs);
}
