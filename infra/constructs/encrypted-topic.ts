import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface EncryptedTopicProps {
  topicName: string;
  displayName: string;
  /** Services that publish to the topic, e.g. `ses.amazonaws.com`; they need the key to do so. */
  publishers: string[];
}

/**
 * An SNS topic encrypted with its own customer-managed key and reachable only over TLS. A customer
 * key is needed because the AWS-managed SNS key cannot be shared with the services that publish
 * here (SES events, CloudWatch alarms); the key policy lets exactly those services use it, and
 * only on behalf of this account.
 */
export class EncryptedTopic extends Construct {
  readonly topic: Topic;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: EncryptedTopicProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    this.key = new Key(this, 'Key', {
      description: `Encrypts the ${props.topicName} topic`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    for (const service of props.publishers) {
      this.key.addToResourcePolicy(
        new PolicyStatement({
          principals: [new ServicePrincipal(service)],
          actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': account } },
        }),
      );
    }
    this.topic = new Topic(this, 'Topic', {
      topicName: props.topicName,
      displayName: props.displayName,
      masterKey: this.key,
      enforceSSL: true,
    });
  }
}
