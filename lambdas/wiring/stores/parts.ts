import type { TableNames } from '../../adapters/tables.js';
import type { TargetClients } from '../target.js';

/** What every store factory takes: the target's DynamoDB clients, its tables and its clock. */
export interface StoreParts {
  clients: Pick<TargetClients, 'dynamo' | 'doc'>;
  tables: TableNames;
  now: () => Date;
}
