import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { EmailIdentity } from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import { ResourceGroup } from './resource-group.js';

export interface DnsRecordsProps {
  domain: string;
  /** The identity, when the stack manages it; an existing one's DKIM records are in the SES console. */
  identity: EmailIdentity | undefined;
}

/**
 * The DNS records the sending domain needs, as stack outputs an operator copies into the zone:
 * three DKIM CNAMEs, the MAIL FROM MX and SPF records, and the MX that routes mail for the
 * unsubscribe address to SES.
 */
export class DnsRecords extends ResourceGroup {
  constructor(scope: Construct, id: string, props: DnsRecordsProps) {
    super(scope, id);
    const { domain } = props;
    const region = Stack.of(this).region;
    props.identity?.dkimRecords.forEach((record, index) => {
      new CfnOutput(this, `DkimRecord${index + 1}`, {
        description: `DKIM CNAME ${index + 1}: name -> value`,
        value: `${record.name} CNAME ${record.value}`,
      });
    });
    new CfnOutput(this, 'MailFromMx', {
      description: 'MAIL FROM MX record',
      value: `mail.${domain} MX 10 feedback-smtp.${region}.amazonses.com`,
    });
    new CfnOutput(this, 'MailFromSpf', {
      description: 'MAIL FROM SPF record',
      value: `mail.${domain} TXT "v=spf1 include:amazonses.com ~all"`,
    });
    new CfnOutput(this, 'InboundMx', {
      description: 'MX record that routes mail for the unsubscribe address to SES',
      value: `${domain} MX 10 inbound-smtp.${region}.amazonaws.com`,
    });
  }
}
