import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Construct } from 'constructs';
import { ResourceGroup } from '../resource-group.js';
import type { TidingsFunction } from '../tidings-function.js';
import { type AlarmTarget, StageAlarm } from './stage-alarm.js';

export interface FunctionAlarmsProps {
  target: AlarmTarget;
  functions: TidingsFunction[];
  httpApi: HttpApi;
}

/** Errors and throttles of every function, and server errors of the reader API. */
export class FunctionAlarms extends ResourceGroup {
  readonly alarms: StageAlarm[] = [];

  constructor(scope: Construct, id: string, props: FunctionAlarmsProps) {
    super(scope, id);
    const { target } = props;
    const fiveMinutes = Duration.minutes(5);
    for (const fn of props.functions) {
      this.alarms.push(
        new StageAlarm(this, `${fn.name}-errors`, {
          target,
          metric: fn.fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
          description: `The ${fn.name} function reported errors.`,
          threshold: 1,
        }),
        new StageAlarm(this, `${fn.name}-throttles`, {
          target,
          metric: fn.fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
          description: `The ${fn.name} function was throttled.`,
          threshold: 1,
        }),
      );
    }
    this.alarms.push(
      new StageAlarm(this, 'api-5xx', {
        target,
        metric: props.httpApi.metricServerError({ period: fiveMinutes, statistic: 'Sum' }),
        description: 'The reader API answered with server errors.',
        threshold: 1,
      }),
    );
  }
}
