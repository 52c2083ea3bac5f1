/**
 * The DynamoDB tables, written once. The CDK data stack and the local stack both build their
 * tables from these definitions, so keys and indexes cannot drift apart.
 *
 * Every table uses generic key names (`pk`, `sk`, `gsi1pk`, `gsi1sk`, `gsi2pk`, `gsi2sk`) so that one table can hold
 * a few related item types, each store documenting its own key layout.
 */

export type KeyType = 'S' | 'N';

export interface KeyDefinition {
  name: string;
  type: KeyType;
}

export interface IndexDefinition {
  name: string;
  partitionKey: KeyDefinition;
  sortKey?: KeyDefinition;
}

export interface TableDefinition {
  /** Logical id, also the suffix of the physical name. */
  id: TableId;
  partitionKey: KeyDefinition;
  sortKey?: KeyDefinition;
  indexes: IndexDefinition[];
  /** Attribute holding an epoch-seconds expiry; readers must treat expired items as absent. */
  ttlAttribute?: string;
  /** Name of the environment variable that hands the physical table name to a Lambda. */
  envVar: string;
}

export type TableId = 'briefs' | 'subscribers' | 'issues' | 'ledger';

const pk: KeyDefinition = { name: 'pk', type: 'S' };
const sk: KeyDefinition = { name: 'sk', type: 'S' };
const gsi1 = (name: string): IndexDefinition => ({
  name,
  partitionKey: { name: 'gsi1pk', type: 'S' },
  sortKey: { name: 'gsi1sk', type: 'S' },
});

export const TTL_ATTRIBUTE = 'expiresAt';

export const TABLES: Readonly<Record<TableId, TableDefinition>> = {
  /** Briefs (one item per brief and one per edition it belongs to) and per-source fetch state. */
  briefs: {
    id: 'briefs',
    partitionKey: pk,
    sortKey: sk,
    indexes: [gsi1('byEdition')],
    envVar: 'TABLE_BRIEFS',
  },
  /**
   * Subscribers, their per-edition membership items (sparse indexes of active readers by
   * `edition#shard` and, for the waves of readers' local time, by `edition#zone#shard`), each
   * edition's registry of zones in use, suppression entries and request counters.
   */
  subscribers: {
    id: 'subscribers',
    partitionKey: pk,
    sortKey: sk,
    indexes: [
      gsi1('activeByEdition'),
      {
        name: 'activeByZone',
        partitionKey: { name: 'gsi2pk', type: 'S' },
        sortKey: { name: 'gsi2sk', type: 'S' },
      },
    ],
    ttlAttribute: TTL_ATTRIBUTE,
    envVar: 'TABLE_SUBSCRIBERS',
  },
  /** Issue records (briefs snapshot, rendered parts, counts), listed per edition by local date. */
  issues: {
    id: 'issues',
    partitionKey: pk,
    sortKey: sk,
    indexes: [gsi1('byEdition')],
    envVar: 'TABLE_ISSUES',
  },
  /** The send ledger: (issue, recipient) → claimed | sent | failed | unknown | cancelled. */
  ledger: {
    id: 'ledger',
    partitionKey: pk,
    sortKey: sk,
    indexes: [],
    ttlAttribute: TTL_ATTRIBUTE,
    envVar: 'TABLE_LEDGER',
  },
};

/** Physical table name for a stage, e.g. `tidings-dev-briefs`. */
export function tableName(stage: string, id: TableId): string {
  return `tidings-${stage}-${id}`;
}

export type TableNames = Readonly<Record<TableId, string>>;

export function tableNames(stage: string): TableNames {
  return {
    briefs: tableName(stage, 'briefs'),
    subscribers: tableName(stage, 'subscribers'),
    issues: tableName(stage, 'issues'),
    ledger: tableName(stage, 'ledger'),
  };
}

/** Table names from a Lambda's environment; a missing variable fails the cold start by name. */
export function tableNamesFromEnv(env: Record<string, string | undefined>): TableNames {
  const read = (id: TableId): string => {
    const name = env[TABLES[id].envVar];
    if (!name) throw new Error(`missing environment variable ${TABLES[id].envVar} (the ${id} table name)`);
    return name;
  };
  return {
    briefs: read('briefs'),
    subscribers: read('subscribers'),
    issues: read('issues'),
    ledger: read('ledger'),
  };
}

/** Whether an item's TTL has passed; DynamoDB deletes such items lazily and the local stand-in never does. */
export function isExpired(item: Record<string, unknown> | undefined, now: Date): boolean {
  const expiresAt = item?.[TTL_ATTRIBUTE];
  return typeof expiresAt === 'number' && expiresAt <= Math.floor(now.getTime() / 1000);
}

/**
 * Whether a DynamoDB call failed because its condition did not hold, told by the error's name:
 * the functions' own client (lambdas/adapters/aws/) and the SDK's throw different classes of it.
 */
export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'ConditionalCheckFailedException';
}
