import { Fn, RemovalPolicy, SecretValue, type StackProps, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  type KeyDefinition,
  TABLES,
  type TableDefinition,
  type TableId,
  tableName,
} from '../../lambdas/adapters/tables.js';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import { AssetBucket } from '../constructs/asset-bucket.js';
import { GroupedStack } from '../constructs/resource-group.js';
import { SendingIdentity } from '../constructs/sending-identity.js';

export interface DataStackProps extends StackProps {
  config: TidingsConfig;
  /** The sending identity exists already (`tidingsDeploy.<stage>.existingIdentity`). */
  existingIdentity?: boolean;
}

/** Key id of the first token-signing key; rotation adds `k2`, `k3`, … (see "Rotating the token secret" in the README). */
export const FIRST_TOKEN_KEY_ID = 'k1';

const attribute = (key: KeyDefinition): { name: string; type: AttributeType } => ({
  name: key.name,
  type: key.type === 'N' ? AttributeType.NUMBER : AttributeType.STRING,
});

/**
 * The stateful part: the four DynamoDB tables, built from the one table definition the local stack
 * uses too, and the token-signing secret. Outside the `dev` stage everything here outlives the
 * stack (RETAIN and deletion protection): losing the subscriber list or the signing key is not an
 * acceptable side effect of `cdk destroy`.
 */
export class DataStack extends GroupedStack {
  readonly tables: Readonly<Record<TableId, Table>>;
  /** `{"active":"k1","keys":[{"id":"k1","secret":"…"}]}`, read by ARN at cold start. */
  readonly tokenSecret: Secret;
  /** The publisher's images and wordmark, served over https (docs/digest.md, "Images"). */
  readonly assets: AssetBucket;
  /** The sending domain's SES identity and its DNS records (outputs), retained. */
  readonly sendingIdentity: SendingIdentity;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;
    const keep = config.stage !== 'dev';
    const removalPolicy = keep ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const build = (definition: TableDefinition): Table => {
      const table = new Table(this, `${definition.id[0]?.toUpperCase()}${definition.id.slice(1)}Table`, {
        tableName: tableName(config.stage, definition.id),
        partitionKey: attribute(definition.partitionKey),
        ...(definition.sortKey ? { sortKey: attribute(definition.sortKey) } : {}),
        billingMode: BillingMode.PAY_PER_REQUEST,
        encryption: TableEncryption.AWS_MANAGED,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: keep,
        removalPolicy,
        ...(definition.ttlAttribute ? { timeToLiveAttribute: definition.ttlAttribute } : {}),
      });
      for (const index of definition.indexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: attribute(index.partitionKey),
          ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
          projectionType: ProjectionType.ALL,
        });
      }
      return table;
    };
    this.tables = {
      briefs: build(TABLES.briefs),
      subscribers: build(TABLES.subscribers),
      issues: build(TABLES.issues),
      ledger: build(TABLES.ledger),
    };

    // CloudFormation can generate a random string only as a top-level JSON field, so a seed secret
    // holds the random value and the key-set secret embeds it through a dynamic reference: the
    // template carries `{{resolve:secretsmanager:…}}`, never the value.
    const seed = new Secret(this, 'TokenSeed', {
      secretName: `tidings/${config.stage}/token-seed`,
      description: 'Random material for the first Tidings token-signing key (not read by any function).',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy,
    });
    const keySet = Fn.join('', [
      `{"active":"${FIRST_TOKEN_KEY_ID}","keys":[{"id":"${FIRST_TOKEN_KEY_ID}","secret":"`,
      seed.secretValue.unsafeUnwrap(),
      '"}]}',
    ]);
    this.tokenSecret = new Secret(this, 'TokenSecret', {
      secretName: `tidings/${config.stage}/token-keys`,
      description:
        'Tidings token-signing keys: {"active": key id, "keys": [{"id", "secret"}]}. Rotate by adding a key.',
      secretStringValue: SecretValue.unsafePlainText(keySet),
      removalPolicy,
    });
    const rotationReason =
      'Signing keys rotate by adding a key to the JSON and switching "active" (README, "Rotating the token secret"): links already mailed must stay valid, which a Secrets Manager rotation replacing the value would break.';
    Validations.of(seed).acknowledge({ id: 'AwsSolutions-SMG4', reason: rotationReason });
    Validations.of(this.tokenSecret).acknowledge({ id: 'AwsSolutions-SMG4', reason: rotationReason });

    this.assets = new AssetBucket(this, 'Assets', { stage: config.stage });
    this.sendingIdentity = new SendingIdentity(this, 'SendingIdentity', {
      config,
      existing: props.existingIdentity ?? false,
    });
  }
}
