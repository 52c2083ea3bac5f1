import { Duration } from 'aws-cdk-lib';
import { QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';

/** Every Tidings queue: SQS-managed encryption, TLS only, and the longest retention SQS allows. */
export const QUEUE_DEFAULTS = {
  encryption: QueueEncryption.SQS_MANAGED,
  enforceSSL: true,
  retentionPeriod: Duration.days(14),
} as const satisfies QueueProps;
