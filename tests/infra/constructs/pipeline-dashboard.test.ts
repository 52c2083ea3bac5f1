import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, resourcesOfType } from '../support.js';

describe('PipelineDashboard', () => {
  let template: Template;

  beforeAll(() => {
    template = Template.fromStack(buildTestApp().monitoring);
  });

  it('draws a dashboard of functions, queues, SES and the API', () => {
    const [[, dashboard] = []] = resourcesOfType(template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const title of ['Invocations', 'Send queue', 'SES reputation', 'Issues composed', 'Reader API']) {
      expect(body).toContain(title);
    }
  });
});
