import { DynamoSubscriberStore } from '../../adapters/dynamo-subscriber-store.js';
import type { SubscriberStore } from '../../core/ports.js';
import type { StoreParts } from './parts.js';

export function subscriberStore({ clients, tables, now }: StoreParts): SubscriberStore {
  return new DynamoSubscriberStore(clients.doc, tables.subscribers, now);
}
