import { CfnOutput, Duration, type StackProps } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ConfigurationSet } from 'aws-cdk-lib/aws-ses';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { TableId } from '../../lambdas/adapters/tables.js';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import { Feedback } from '../constructs/feedback.js';
import { GroupedStack } from '../constructs/resource-group.js';
import { Schedules } from '../constructs/schedules.js';
import { SendQueue } from '../constructs/send-queue.js';
import { sesArns } from '../constructs/ses-arns.js';
import { SesReceiving } from '../constructs/ses-receiving.js';
import { SesSending } from '../constructs/ses-sending.js';
import { TidingsFunction } from '../constructs/tidings-function.js';

export interface PipelineStackProps extends StackProps {
  config: TidingsConfig;
  tables: Readonly<Record<TableId, Table>>;
  tokenSecret: Secret;
  /** Add the unsubscribe rule to this existing receipt rule set (`tidingsDeploy.<stage>.receiptRuleSet`). */
  sharedRuleSet?: string;
}

/**
 * The stateless pipeline: ingest on a rate, compose per edition in its time zone, send through an
 * SQS queue paced to the account's SES rate, and feedback from SES (bounces, complaints, mail to
 * the unsubscribe address). Also owns the stage's SES configuration set and receipt rule.
 */
export class PipelineStack extends GroupedStack {
  readonly ingest: TidingsFunction;
  readonly compose: TidingsFunction;
  readonly send: TidingsFunction;
  readonly feedback: TidingsFunction;
  readonly sendQueue: Queue;
  readonly sendDeadLetterQueue: Queue;
  readonly schedulerDeadLetterQueue: Queue;
  readonly feedbackDeadLetterQueue: Queue;
  /** Scheduled ingest and compose runs that failed every retry. */
  readonly failedRunsQueue: Queue;
  readonly configurationSet: ConfigurationSet;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config, tables, tokenSecret } = props;

    const sending = new SesSending(this, 'SesSending', { config });
    this.configurationSet = sending.configurationSet;

    const delivery = new SendQueue(this, 'SendQueue', {
      config,
      tables,
      tokenSecret,
      ses: sesArns(this, config),
    });
    this.sendQueue = delivery.queue;
    this.sendDeadLetterQueue = delivery.deadLetterQueue;
    this.send = delivery.send;

    this.ingest = new TidingsFunction(this, 'Ingest', {
      name: 'ingest',
      config,
      description: 'Fetches the configured sources and upserts their briefs',
      timeout: Duration.minutes(5),
    });
    // Story matching reads each edition's recent stories from the byEdition index.
    this.ingest.grantTableReadWrite(tables.briefs, 'briefs', ['byEdition']);

    this.compose = new TidingsFunction(this, 'Compose', {
      name: 'compose',
      config,
      description: "Renders an edition's issue and queues it for its active readers",
      timeout: Duration.minutes(5),
      memorySize: 1024,
    });
    this.compose.grantTableRead(tables.briefs, 'briefs', ['byEdition']);
    this.compose.grantTableReadWrite(tables.issues, 'issues', ['byEdition']);
    this.compose.grantTableRead(tables.subscribers, 'subscribers', ['activeByEdition', 'activeByZone']);
    this.compose.grantQueueSend(this.sendQueue, 'SEND_QUEUE_URL');
    // The sweep after compose reads the ledger of the edition's issues still sending.
    this.compose.grantTableRead(tables.ledger, 'ledger', []);

    const feedback = new Feedback(this, 'Feedback', {
      config,
      tables,
      tokenSecret,
      sesEvents: sending.events,
    });
    this.feedback = feedback.feedback;
    this.feedbackDeadLetterQueue = feedback.deadLetterQueue;
    const receiving = new SesReceiving(this, 'SesReceiving', {
      config,
      handler: this.feedback.fn,
      ...(props.sharedRuleSet ? { sharedRuleSet: props.sharedRuleSet } : {}),
    });

    const schedules = new Schedules(this, 'Schedules', {
      config,
      ingest: this.ingest.fn,
      compose: this.compose.fn,
    });
    this.schedulerDeadLetterQueue = schedules.deadLetterQueue;
    this.failedRunsQueue = schedules.failedRuns;

    new CfnOutput(this, 'ReceiptRuleSetName', {
      description: 'The receipt rule set holding the unsubscribe rule (active: see tidings doctor)',
      value: receiving.ruleSet.receiptRuleSetName,
    });
    new CfnOutput(this, 'SendQueueUrl', { value: this.sendQueue.queueUrl });
  }
}
