import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import {
  ConfigurationSet,
  EmailIdentity,
  EmailSendingEvent,
  EventDestination,
  Identity,
  ReceiptRuleSet,
  SuppressionReasons,
} from 'aws-cdk-lib/aws-ses';
import { Lambda as LambdaAction, LambdaInvocationType } from 'aws-cdk-lib/aws-ses-actions';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { TableId } from '../../lambdas/adapters/tables.js';
import type { EditionConfig, TidingsConfig } from '../../lambdas/core/config.js';
import { planSendRate } from '../../lambdas/core/send-rate.js';
import { EncryptedTopic } from '../constructs/encrypted-topic.js';
import { sesArns } from '../constructs/ses-arns.js';
import { TidingsFunction } from '../constructs/tidings-function.js';

export interface PipelineStackProps extends StackProps {
  config: TidingsConfig;
  tables: Readonly<Record<TableId, Table>>;
  tokenSecret: Secret;
}

/** How long one send invocation may run; the queue's visibility timeout is six times this. */
export const SEND_TIMEOUT = Duration.minutes(2);
/** SQS messages (each a batch of recipients) handed to one send invocation. */
export const SEND_BATCH_SIZE = 5;
/** Receives of one send message before it is parked in the dead-letter queue. */
export const SEND_MAX_RECEIVE_COUNT = 5;

/** `cron(30 6 ? * MON,TUE,WED,THU,FRI *)`: the edition's send time on its send days, in its own zone. */
export function composeScheduleExpression(edition: EditionConfig): string {
  const [hour, minute] = edition.sendTime.split(':').map(Number);
  const days = edition.sendDays.map((day) => day.toUpperCase()).join(',');
  return `cron(${minute} ${hour} ? * ${days} *)`;
}

/** `rate(15 minutes)`, singular for one minute as the Scheduler requires. */
export function ingestScheduleExpression(rateMinutes: number): string {
  return `rate(${rateMinutes} ${rateMinutes === 1 ? 'minute' : 'minutes'})`;
}

/**
 * The stateless pipeline: ingest on a rate, compose per edition in its time zone, send through an
 * SQS queue paced to the account's SES rate, and feedback from SES (bounces, complaints, mail to
 * the unsubscribe address). Also owns the SES sending identity and configuration set.
 */
export class PipelineStack extends Stack {
  readonly ingest: TidingsFunction;
  readonly compose: TidingsFunction;
  readonly send: TidingsFunction;
  readonly feedback: TidingsFunction;
  readonly sendQueue: Queue;
  readonly sendDeadLetterQueue: Queue;
  readonly schedulerDeadLetterQueue: Queue;
  readonly feedbackDeadLetterQueue: Queue;
  readonly configurationSet: ConfigurationSet;
  readonly identity: EmailIdentity;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config, tables, tokenSecret } = props;
    const prefix = `tidings-${config.stage}`;
    const domain = config.sender.domain;
    const ses = sesArns(this, config);

    // ------------------------------------------------------------------ queues
    const queueDefaults = {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    } as const;
    this.sendDeadLetterQueue = new Queue(this, 'SendDeadLetterQueue', {
      queueName: `${prefix}-send-dlq`,
      ...queueDefaults,
    });
    this.sendQueue = new Queue(this, 'SendQueue', {
      queueName: `${prefix}-send`,
      ...queueDefaults,
      // Six times the function timeout, as Lambda advises, so a batch being retried inside one
      // invocation is never handed to a second worker.
      visibilityTimeout: Duration.seconds(SEND_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.sendDeadLetterQueue, maxReceiveCount: SEND_MAX_RECEIVE_COUNT },
    });
    this.schedulerDeadLetterQueue = new Queue(this, 'SchedulerDeadLetterQueue', {
      queueName: `${prefix}-scheduler-dlq`,
      ...queueDefaults,
    });
    this.feedbackDeadLetterQueue = new Queue(this, 'FeedbackDeadLetterQueue', {
      queueName: `${prefix}-feedback-dlq`,
      ...queueDefaults,
    });
    // cdk-nag recognizes queues named as another queue's or a function's DLQ, not a schedule's.
    Validations.of(this.schedulerDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the EventBridge schedules; it has no consumer whose failures would need another queue.',
    });

    // ------------------------------------------------------------------ SES
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: config.ses.configurationSet,
      reputationMetrics: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      sendingEnabled: true,
    });
    this.identity = new EmailIdentity(this, 'Identity', {
      identity: Identity.domain(domain),
      configurationSet: this.configurationSet,
      mailFromDomain: `mail.${domain}`,
    });
    const sesEvents = new EncryptedTopic(this, 'SesEvents', {
      topicName: `${prefix}-ses-events`,
      displayName: 'Tidings SES events',
      publishers: ['ses.amazonaws.com'],
    });
    this.configurationSet.addEventDestination('ToFeedback', {
      configurationSetEventDestinationName: 'feedback',
      destination: EventDestination.snsTopic(sesEvents.topic),
      events: [
        EmailSendingEvent.BOUNCE,
        EmailSendingEvent.COMPLAINT,
        EmailSendingEvent.DELIVERY,
        EmailSendingEvent.REJECT,
      ],
    });

    // ------------------------------------------------------------------ functions
    this.ingest = new TidingsFunction(this, 'Ingest', {
      name: 'ingest',
      config,
      description: 'Fetches the configured sources and upserts their briefs',
      timeout: Duration.minutes(5),
    });
    this.ingest.grantTableReadWrite(tables.briefs, 'briefs', []);

    this.compose = new TidingsFunction(this, 'Compose', {
      name: 'compose',
      config,
      description: "Renders an edition's issue and queues it for its active readers",
      timeout: Duration.minutes(5),
      memorySize: 1024,
      templates: true,
    });
    this.compose.grantTableRead(tables.briefs, 'briefs', ['byEdition']);
    this.compose.grantTableReadWrite(tables.issues, 'issues', ['byEdition']);
    this.compose.grantTableRead(tables.subscribers, 'subscribers', ['activeByEdition']);
    this.compose.grantQueueSend(this.sendQueue, 'SEND_QUEUE_URL');

    const plan = planSendRate(config.ses.maxSendRate);
    this.send = new TidingsFunction(this, 'Send', {
      name: 'send',
      config,
      description: 'Sends queued issue messages through SES at the planned rate, once per recipient',
      timeout: SEND_TIMEOUT,
      environment: { SEND_MAX_CONCURRENCY: String(plan.maxConcurrency) },
    });
    this.send.grantTableRead(tables.issues, 'issues', []);
    this.send.grantTableRead(tables.subscribers, 'subscribers', []);
    this.send.grantTableReadWrite(tables.ledger, 'ledger');
    this.send.grantSendRawEmail(ses.identity, ses.configurationSet);
    this.send.grantTokenSecretRead(tokenSecret);
    this.send.function.addEventSource(
      new SqsEventSource(this.sendQueue, {
        batchSize: SEND_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: plan.maxConcurrency,
      }),
    );

    this.feedback = new TidingsFunction(this, 'Feedback', {
      name: 'feedback',
      config,
      description: 'Suppresses bounced and complaining addresses; handles mail to the unsubscribe address',
      deadLetterQueue: this.feedbackDeadLetterQueue,
    });
    this.feedback.grantTableReadWrite(tables.subscribers, 'subscribers', []);
    this.feedback.grantTokenSecretRead(tokenSecret);
    sesEvents.topic.addSubscription(new LambdaSubscription(this.feedback.fn));

    // Mail to unsubscribe@<domain>: SES applies an address rule to its plus-labelled forms too
    // (unsubscribe+<token>@<domain>), which is how the List-Unsubscribe mailto reaches us.
    const ruleSet = new ReceiptRuleSet(this, 'Inbound', { receiptRuleSetName: `${prefix}-inbound` });
    ruleSet.addRule('Unsubscribe', {
      receiptRuleName: `${prefix}-unsubscribe`,
      recipients: [`unsubscribe@${domain}`],
      scanEnabled: true,
      actions: [new LambdaAction({ function: this.feedback.fn, invocationType: LambdaInvocationType.EVENT })],
    });

    // ------------------------------------------------------------------ schedules
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: 'Lets EventBridge Scheduler start the Tidings ingest and compose functions',
    });
    schedulerRole.addToPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.ingest.function.functionArn, this.compose.function.functionArn],
      }),
    );
    schedulerRole.addToPolicy(
      new PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: [this.schedulerDeadLetterQueue.queueArn],
      }),
    );
    const target = (functionArn: string, input: unknown, retries: number): CfnSchedule.TargetProperty => ({
      arn: functionArn,
      roleArn: schedulerRole.roleArn,
      input: JSON.stringify(input),
      retryPolicy: { maximumRetryAttempts: retries, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: { arn: this.schedulerDeadLetterQueue.queueArn },
    });

    new CfnSchedule(this, 'IngestSchedule', {
      name: `${prefix}-ingest`,
      description: `Ingest every ${config.ingest.rateMinutes} minutes`,
      scheduleExpression: ingestScheduleExpression(config.ingest.rateMinutes),
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      // The next run comes soon enough; retrying a slow source would only pile runs up.
      target: target(this.ingest.function.functionArn, {}, 0),
    });
    for (const edition of config.editions) {
      new CfnSchedule(this, `ComposeSchedule-${edition.id}`, {
        name: `${prefix}-compose-${edition.id}`,
        description: `Compose ${edition.name} at ${edition.sendTime} ${edition.timeZone}`,
        scheduleExpression: composeScheduleExpression(edition),
        scheduleExpressionTimezone: edition.timeZone,
        flexibleTimeWindow: { mode: 'OFF' },
        state: 'ENABLED',
        target: target(this.compose.function.functionArn, { edition: edition.id }, 2),
      });
    }

    // ------------------------------------------------------------------ outputs
    this.identity.dkimRecords.forEach((record, index) => {
      new CfnOutput(this, `DkimRecord${index + 1}`, {
        description: `DKIM CNAME ${index + 1}: name -> value`,
        value: `${record.name} CNAME ${record.value}`,
      });
    });
    new CfnOutput(this, 'MailFromMx', {
      description: 'MAIL FROM MX record',
      value: `mail.${domain} MX 10 feedback-smtp.${this.region}.amazonses.com`,
    });
    new CfnOutput(this, 'MailFromSpf', {
      description: 'MAIL FROM SPF record',
      value: `mail.${domain} TXT "v=spf1 include:amazonses.com ~all"`,
    });
    new CfnOutput(this, 'InboundMx', {
      description: 'MX record that routes mail for the unsubscribe address to SES',
      value: `${domain} MX 10 inbound-smtp.${this.region}.amazonaws.com`,
    });
    new CfnOutput(this, 'ReceiptRuleSetName', {
      description: 'Activate with: aws ses set-active-receipt-rule-set --rule-set-name <this>',
      value: ruleSet.receiptRuleSetName,
    });
    new CfnOutput(this, 'SendQueueUrl', { value: this.sendQueue.queueUrl });
  }
}
