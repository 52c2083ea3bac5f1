import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BOUNCE_RATE_THRESHOLD,
  COMPLAINT_RATE_THRESHOLD,
} from '../../../../infra/constructs/alarms/ses-reputation-alarms.js';
import { alarmNamedIn, buildTestApp, type CfnResource } from '../../support.js';

describe('SesReputationAlarms', () => {
  let template: Template;
  const alarmNamed = (name: string): CfnResource => alarmNamedIn(template, name);

  beforeAll(() => {
    template = Template.fromStack(buildTestApp().monitoring);
  });

  it('alarms on SES bounce rate above 2% and complaint rate above 0.05%', () => {
    expect(BOUNCE_RATE_THRESHOLD).toBe(0.02);
    expect(COMPLAINT_RATE_THRESHOLD).toBe(0.0005);
    expect(alarmNamed('tidings-dev-ses-bounce-rate').Properties).toMatchObject({
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.BounceRate',
      Threshold: 0.02,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(alarmNamed('tidings-dev-ses-complaint-rate').Properties).toMatchObject({
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.ComplaintRate',
      Threshold: 0.0005,
    });
  });
});
