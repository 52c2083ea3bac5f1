import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { alarmNamedIn, buildTestApp, type CfnResource } from '../../support.js';

describe('FunctionAlarms', () => {
  let template: Template;
  const alarmNamed = (name: string): CfnResource => alarmNamedIn(template, name);

  beforeAll(() => {
    template = Template.fromStack(buildTestApp().monitoring);
  });

  it('watches errors and throttles of every function', () => {
    for (const name of ['ingest', 'compose', 'send', 'feedback', 'api']) {
      expect(alarmNamed(`tidings-dev-${name}-errors`).Properties).toMatchObject({
        MetricName: 'Errors',
        Threshold: 1,
      });
      expect(alarmNamed(`tidings-dev-${name}-throttles`).Properties).toMatchObject({
        MetricName: 'Throttles',
        Threshold: 1,
      });
    }
  });
});
