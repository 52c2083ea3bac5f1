import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { EditionConfig, TidingsConfig } from '../../lambdas/core/config.js';
import { QUEUE_DEFAULTS } from './queue-defaults.js';
import { ResourceGroup } from './resource-group.js';

/**
 * `cron(30 6 ? * MON,TUE,WED,THU,FRI,SAT *)`: the edition's send time on its send days and on its
 * roundup day (the weekly roundup; on a day that is no send day the run makes no daily issue), in
 * its own zone.
 */
export function composeScheduleExpression(edition: EditionConfig): string {
  const [hour, minute] = edition.sendTime.split(':').map(Number);
  const fires = new Set([...edition.sendDays, edition.roundupDay]);
  const days = [...fires].map((day) => day.toUpperCase()).join(',');
  return `cron(${minute} ${hour} ? * ${days} *)`;
}

/** `rate(15 minutes)`, singular for one minute as the Scheduler requires. */
export function ingestScheduleExpression(rateMinutes: number): string {
  return `rate(${rateMinutes} ${rateMinutes === 1 ? 'minute' : 'minutes'})`;
}

/**
 * The waves sweep of readers' local time (`core/waves.ts`): every five minutes, deployed only when
 * some edition has `readerLocalTime`. A recurring sweep rather than one-time schedules per wave:
 * nothing per issue to create or clean up, no iam:PassRole for the compose function, idempotent
 * through the ledger, and a missed or failed sweep is made up by the next (~8,640 runs a month).
 */
export const SWEEP_SCHEDULE_EXPRESSION = 'rate(5 minutes)';

export interface SchedulesProps {
  config: TidingsConfig;
  ingest: IFunction;
  compose: IFunction;
}

/**
 * Lambda's own retries of a scheduled run that failed (the Scheduler retries only invocations it
 * could not make). Ingest gets none: the next run comes within minutes and a retry would pile runs
 * on a slow source. Compose gets two, an hour at most, while the send time is still near.
 */
export const RUN_RETRIES = { ingest: 0, compose: 2 } as const;

/**
 * EventBridge Scheduler: ingest on a rate, and compose per edition at its send time in its own
 * time zone, run by a role that may invoke only those two functions, with a dead-letter queue for
 * invocations the Scheduler could not make and an on-failure destination for runs that failed.
 */
export class Schedules extends ResourceGroup {
  readonly deadLetterQueue: Queue;
  /** Where a run that failed every retry is kept (the functions' on-failure destination). */
  readonly failedRuns: Queue;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    const { config } = props;
    const prefix = `tidings-${config.stage}`;
    this.deadLetterQueue = new Queue(this, 'SchedulerDeadLetterQueue', {
      queueName: `${prefix}-scheduler-dlq`,
      ...QUEUE_DEFAULTS,
    });
    // cdk-nag recognizes queues named as another queue's or a function's DLQ, not a schedule's.
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the EventBridge schedules; it has no consumer whose failures would need another queue.',
    });

    this.failedRuns = new Queue(this, 'FailedRunsQueue', {
      queueName: `${prefix}-failed-runs`,
      ...QUEUE_DEFAULTS,
    });
    Validations.of(this.failedRuns).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the on-failure destination of the scheduled ingest and compose runs; it has no consumer whose failures would need another queue.',
    });
    props.ingest.configureAsyncInvoke({
      retryAttempts: RUN_RETRIES.ingest,
      onFailure: new SqsDestination(this.failedRuns),
    });
    props.compose.configureAsyncInvoke({
      retryAttempts: RUN_RETRIES.compose,
      maxEventAge: Duration.hours(1),
      onFailure: new SqsDestination(this.failedRuns),
    });

    this.role = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lets EventBridge Scheduler start the Tidings ingest and compose functions',
    });
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [props.ingest.functionArn, props.compose.functionArn],
      }),
    );
    this.role.addToPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }),
    );
    const target = (functionArn: string, input: unknown, retries: number): CfnSchedule.TargetProperty => ({
      arn: functionArn,
      roleArn: this.role.roleArn,
      input: JSON.stringify(input),
      retryPolicy: { maximumRetryAttempts: retries, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
    });

    new CfnSchedule(this, 'IngestSchedule', {
      name: `${prefix}-ingest`,
      description: `Ingest every ${config.ingest.rateMinutes} minutes`,
      scheduleExpression: ingestScheduleExpression(config.ingest.rateMinutes),
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      // The next run comes soon enough; retrying a slow source would only pile runs up.
      target: target(props.ingest.functionArn, {}, 0),
    });
    for (const edition of config.editions) {
      new CfnSchedule(this, `ComposeSchedule-${edition.id}`, {
        name: `${prefix}-compose-${edition.id}`,
        description: `Compose ${edition.name} at ${edition.sendTime} ${edition.timeZone}`,
        scheduleExpression: composeScheduleExpression(edition),
        scheduleExpressionTimezone: edition.timeZone,
        flexibleTimeWindow: { mode: 'OFF' },
        state: 'ENABLED',
        target: target(props.compose.functionArn, { edition: edition.id }, 2),
      });
    }
    if (config.editions.some((edition) => edition.readerLocalTime)) {
      new CfnSchedule(this, 'SweepSchedule', {
        name: `${prefix}-sweep`,
        description: "Send the waves of readers' local time that are due",
        scheduleExpression: SWEEP_SCHEDULE_EXPRESSION,
        flexibleTimeWindow: { mode: 'OFF' },
        state: 'ENABLED',
        // The next sweep comes in five minutes: no retries to pile up behind it.
        target: target(props.compose.functionArn, { sweep: true }, 0),
      });
    }
  }
}
