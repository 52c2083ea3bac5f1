import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, resourcesOfType } from '../support.js';

describe('SendingIdentity', () => {
  let template: Template;

  beforeAll(() => {
    template = Template.fromStack(buildTestApp().data);
  });

  it('verifies the sending domain with Easy DKIM and a custom MAIL FROM domain', () => {
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'tidings.example',
      MailFromAttributes: { MailFromDomain: 'mail.tidings.example' },
    });
  });

  it('names no configuration set: each message names its stage’s, which the identity outlives', () => {
    const [[, identity] = []] = resourcesOfType(template, 'AWS::SES::EmailIdentity');
    expect(identity?.Properties.ConfigurationSetAttributes).toBeUndefined();
    expect(identity?.DeletionPolicy).toBe('Retain');
  });
});
