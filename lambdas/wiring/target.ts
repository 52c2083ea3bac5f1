import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SESClient } from '@aws-sdk/client-ses';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableNames } from '../adapters/tables.js';

/** Where a target's resources are. */
export interface TargetResources {
  tables: TableNames;
  /** The send queue's URL; without it the target must pass a queue of its own. */
  sendQueueUrl?: string;
  /** The token keyring: a Secrets Manager secret, or the local file. */
  tokenSecret: { arn: string } | { file: string };
}

/** The SDK clients of a target; each adapter takes its client from here. */
export interface TargetClients {
  /** Low-level client for the send path's stores (middleware resolved once per command). */
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  ses: SESClient;
  sqs?: SQSClient;
  secrets?: SecretsManagerClient;
}
