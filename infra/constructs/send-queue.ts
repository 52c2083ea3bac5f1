import { Duration } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { TableId } from '../../lambdas/adapters/tables.js';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import { planSendRate } from '../../lambdas/core/send-rate.js';
import { QUEUE_DEFAULTS } from './queue-defaults.js';
import { ResourceGroup } from './resource-group.js';
import type { SesArns } from './ses-arns.js';
import { TidingsFunction } from './tidings-function.js';

/** How long one send invocation may run; the queue's visibility timeout is six times this. */
export const SEND_TIMEOUT = Duration.minutes(2);
/** SQS messages (each a batch of recipients) handed to one send invocation. */
export const SEND_BATCH_SIZE = 5;
/** Receives of one send message before it is parked in the dead-letter queue. */
export const SEND_MAX_RECEIVE_COUNT = 5;

export interface SendQueueProps {
  config: TidingsConfig;
  tables: Readonly<Record<TableId, Table>>;
  tokenSecret: Secret;
  ses: SesArns;
}

/**
 * The send queue with its consumer: the queue compose fills with recipient batches, its
 * dead-letter queue, and the send function draining it at the concurrency the SES rate allows.
 */
export class SendQueue extends ResourceGroup {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly send: TidingsFunction;

  constructor(scope: Construct, id: string, props: SendQueueProps) {
    super(scope, id);
    const { config, tables } = props;
    const prefix = `tidings-${config.stage}`;
    this.deadLetterQueue = new Queue(this, 'SendDeadLetterQueue', {
      queueName: `${prefix}-send-dlq`,
      ...QUEUE_DEFAULTS,
    });
    this.queue = new Queue(this, 'SendQueue', {
      queueName: `${prefix}-send`,
      ...QUEUE_DEFAULTS,
      // Six times the function timeout, as Lambda advises, so a batch being retried inside one
      // invocation is never handed to a second worker.
      visibilityTimeout: Duration.seconds(SEND_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: SEND_MAX_RECEIVE_COUNT },
    });

    const plan = planSendRate(config.ses.maxSendRate);
    this.send = new TidingsFunction(this, 'Send', {
      name: 'send',
      config,
      description: 'Sends queued issue messages through SES at the planned rate, once per recipient',
      timeout: SEND_TIMEOUT,
    });
    // Read-write: the send path counts the readers it settled and completes the issue (`sent`).
    this.send.grantTableReadWrite(tables.issues, 'issues', []);
    this.send.grantTableRead(tables.subscribers, 'subscribers', []);
    this.send.grantTableReadWrite(tables.ledger, 'ledger');
    this.send.grantSendRawEmail(props.ses, config.sender.address);
    this.send.grantTokenSecretRead(props.tokenSecret);
    this.send.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: SEND_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: plan.maxConcurrency,
      }),
    );
  }
}
