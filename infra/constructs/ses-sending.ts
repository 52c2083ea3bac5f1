import {
  ConfigurationSet,
  EmailSendingEvent,
  EventDestination,
  SuppressionReasons,
} from 'aws-cdk-lib/aws-ses';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import { EncryptedTopic } from './encrypted-topic.js';
import { ResourceGroup } from './resource-group.js';

export interface SesSendingProps {
  config: TidingsConfig;
}

/**
 * What SES sends with: the stage's configuration set (reputation metrics, suppression of bounces
 * and complaints), which every message names, and the encrypted topic it publishes delivery events
 * to. The identity is the data stack's ({@link SendingIdentity}), which outlives this one.
 */
export class SesSending extends ResourceGroup {
  readonly configurationSet: ConfigurationSet;
  readonly events: Topic;

  constructor(scope: Construct, id: string, props: SesSendingProps) {
    super(scope, id);
    const { config } = props;
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: config.ses.configurationSet,
      reputationMetrics: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      sendingEnabled: true,
    });
    const events = new EncryptedTopic(this, 'SesEvents', {
      topicName: `tidings-${config.stage}-ses-events`,
      displayName: 'Tidings SES events',
      publishers: ['ses.amazonaws.com'],
    });
    this.events = events.topic;
    this.configurationSet.addEventDestination('ToFeedback', {
      configurationSetEventDestinationName: 'feedback',
      destination: EventDestination.snsTopic(events.topic),
      events: [
        // Send: SES took the message; the feedback function settles the reader's ledger row from
        // it (a claim whose sender died after the SES call, or an unknown). See docs/delivery.md.
        EmailSendingEvent.SEND,
        EmailSendingEvent.BOUNCE,
        EmailSendingEvent.COMPLAINT,
        EmailSendingEvent.DELIVERY,
        EmailSendingEvent.REJECT,
      ],
    });
  }
}
