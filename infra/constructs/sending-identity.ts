import { RemovalPolicy } from 'aws-cdk-lib';
import { EmailIdentity, Identity } from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import { DnsRecords } from './dns-records.js';
import { ResourceGroup } from './resource-group.js';

export interface SendingIdentityProps {
  config: TidingsConfig;
  /** The identity exists already: use it, and create nothing (see `tidingsDeploy`). */
  existing: boolean;
}

/**
 * The sending domain's SES identity (Easy DKIM, custom MAIL FROM domain) and the DNS records it
 * needs, as outputs. It lives with the stateful resources and outlives the stack (RETAIN): its
 * verification rests on DNS records an operator published, and deleting it would stop the mail of
 * every stage that sends from the domain. Deploy again over a retained identity with
 * `existingIdentity`.
 */
export class SendingIdentity extends ResourceGroup {
  /** The identity, when this stack manages it. */
  readonly identity: EmailIdentity | undefined;

  constructor(scope: Construct, id: string, props: SendingIdentityProps) {
    super(scope, id);
    const domain = props.config.sender.domain;
    if (!props.existing) {
      this.identity = new EmailIdentity(this, 'Identity', {
        identity: Identity.domain(domain),
        mailFromDomain: `mail.${domain}`,
      });
      this.identity.applyRemovalPolicy(RemovalPolicy.RETAIN);
    }
    new DnsRecords(this, 'DnsRecords', { domain, identity: this.identity });
  }
}
