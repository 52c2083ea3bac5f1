import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../support.js';

describe('DnsRecords', () => {
  let outputs: Record<string, { Value: unknown }>;

  beforeAll(() => {
    outputs = Template.fromStack(buildTestApp().data).findOutputs('*') as typeof outputs;
  });

  it('outputs the three DKIM CNAMEs of the sending identity', () => {
    const dkim = Object.keys(outputs).filter((name) => name.startsWith('DkimRecord'));
    expect(dkim.sort()).toEqual(['DkimRecord1', 'DkimRecord2', 'DkimRecord3']);
    expect(JSON.stringify(outputs.DkimRecord1?.Value)).toContain('DkimDNSTokenName1');
    expect(JSON.stringify(outputs.DkimRecord1?.Value)).toContain(' CNAME ');
  });

  it('outputs the MAIL FROM MX and SPF records and the inbound MX for the region', () => {
    expect(outputs.MailFromMx?.Value).toBe(
      'mail.tidings.example MX 10 feedback-smtp.eu-west-1.amazonses.com',
    );
    expect(outputs.MailFromSpf?.Value).toBe('mail.tidings.example TXT "v=spf1 include:amazonses.com ~all"');
    expect(outputs.InboundMx?.Value).toBe('tidings.example MX 10 inbound-smtp.eu-west-1.amazonaws.com');
  });
});
