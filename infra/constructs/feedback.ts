import { Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { TableId } from '../../lambdas/adapters/tables.js';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import { QUEUE_DEFAULTS } from './queue-defaults.js';
import { ResourceGroup } from './resource-group.js';
import { TidingsFunction } from './tidings-function.js';

/** Lambda's retries of a feedback event (SNS, SES receiving) before it is kept in the queue. */
export const FEEDBACK_RETRIES = 2;

export interface FeedbackProps {
  config: TidingsConfig;
  tables: Readonly<Record<TableId, Table>>;
  tokenSecret: Secret;
  /** The topic SES publishes bounces, complaints, deliveries and rejects to. */
  sesEvents: ITopic;
}

/**
 * The feedback function subscribed to SES events, with the queue that keeps the asynchronous
 * invocations (SNS, SES receiving) that failed every retry: its on-failure destination.
 */
export class Feedback extends ResourceGroup {
  readonly feedback: TidingsFunction;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: FeedbackProps) {
    super(scope, id);
    const { config, tables } = props;
    this.deadLetterQueue = new Queue(this, 'FeedbackDeadLetterQueue', {
      queueName: `tidings-${config.stage}-feedback-dlq`,
      ...QUEUE_DEFAULTS,
    });
    this.feedback = new TidingsFunction(this, 'Feedback', {
      name: 'feedback',
      config,
      description: 'Suppresses bounced and complaining addresses; handles mail to the unsubscribe address',
    });
    // SNS and SES invoke it asynchronously: two retries, then the event is kept in the queue.
    this.feedback.function.configureAsyncInvoke({
      retryAttempts: FEEDBACK_RETRIES,
      onFailure: new SqsDestination(this.deadLetterQueue),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the on-failure destination of the feedback function; it has no consumer whose failures would need another queue.',
    });
    this.feedback.grantTableReadWrite(tables.subscribers, 'subscribers', []);
    // SES's Send events settle ledger rows (claimed or unknown → sent).
    this.feedback.grantTableReadWrite(tables.ledger, 'ledger', []);
    this.feedback.grantTokenSecretRead(props.tokenSecret);
    props.sesEvents.addSubscription(new LambdaSubscription(this.feedback.fn));
  }
}
