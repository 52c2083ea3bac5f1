import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { TidingsConfig } from '../../../lambdas/core/config.js';
import { ResourceGroup } from '../resource-group.js';
import { type ComposeMetrics, issueMetric } from './missed-issue-alarms.js';
import { type AlarmTarget, StageAlarm } from './stage-alarm.js';

export interface HeldIssueAlarmsProps {
  target: AlarmTarget;
  config: TidingsConfig;
  compose: ComposeMetrics;
}

/**
 * An alarm per edition that holds its issues for approval, when an issue is held: compose holds it
 * at the edition's send time, so from then on it waits past its send window until an operator
 * approves (`tidings approve`) or cancels it. The alarm clears an hour later.
 */
export class HeldIssueAlarms extends ResourceGroup {
  readonly alarms: StageAlarm[];

  constructor(scope: Construct, id: string, props: HeldIssueAlarmsProps) {
    super(scope, id);
    this.alarms = props.config.editions
      .filter((edition) => edition.holdForApproval)
      .map(
        (edition) =>
          new StageAlarm(this, `issue-held-${edition.id}`, {
            target: props.target,
            metric: issueMetric(props.compose, 'IssueHeld', edition.id).with({ period: Duration.hours(1) }),
            description: `A ${edition.name} issue is held for approval past its send time (${edition.sendTime} ${edition.timeZone}): approve it with "tidings approve <issue>" or cancel it.`,
            threshold: 1,
          }),
      );
  }
}
