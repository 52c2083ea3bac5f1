import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Construct } from 'constructs';

/** Where alarms of one stage go: their name prefix and the action that notifies the alarm topic. */
export interface AlarmTarget {
  stage: string;
  notify: SnsAction;
}

export interface StageAlarmProps {
  target: AlarmTarget;
  metric: IMetric;
  description: string;
  threshold: number;
  /** @default GREATER_THAN_OR_EQUAL_TO_THRESHOLD */
  comparison?: ComparisonOperator;
  /** Periods that must all breach; @default 1 */
  evaluationPeriods?: number;
  /** @default NOT_BREACHING */
  missing?: TreatMissingData;
}

/**
 * One alarm of a stage, named `tidings-<stage>-<id>`, that notifies the alarm topic when it fires
 * and again when it recovers.
 */
export class StageAlarm extends Alarm {
  constructor(scope: Construct, id: string, props: StageAlarmProps) {
    super(scope, id, {
      alarmName: `tidings-${props.target.stage}-${id}`,
      alarmDescription: props.description,
      metric: props.metric,
      threshold: props.threshold,
      comparisonOperator: props.comparison ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: props.evaluationPeriods ?? 1,
      datapointsToAlarm: props.evaluationPeriods ?? 1,
      treatMissingData: props.missing ?? TreatMissingData.NOT_BREACHING,
    });
    this.addAlarmAction(props.target.notify);
    this.addOkAction(props.target.notify);
  }
}
