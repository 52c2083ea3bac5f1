import { type SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { ISSUE_TAG, sesTagValue } from '../core/feedback.js';
import {
  type Mailer,
  MailerThrottledError,
  MessageRejectedError,
  type OutgoingMessage,
} from '../core/ports.js';

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'RequestTimeout',
]);
const REJECTED = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'ConfigurationSetDoesNotExistException',
  'AccountSendingPausedException',
  'ConfigurationSetSendingPausedException',
  'InvalidParameterValue',
]);

/** Sends raw messages through SES v1 `SendRawEmail`, mapping SES errors onto the mailer port's. */
export class SesMailer implements Mailer {
  constructor(
    private readonly ses: SESClient,
    private readonly options: { configurationSet?: string } = {},
  ) {}

  async send(message: OutgoingMessage): Promise<{ messageId: string }> {
    try {
      const result = await this.ses.send(
        new SendRawEmailCommand({
          RawMessage: { Data: message.raw },
          Source: message.from,
          Destinations: [message.to],
          ...(this.options.configurationSet ? { ConfigurationSetName: this.options.configurationSet } : {}),
          // SES's events for the message (Send, Bounce, Complaint) carry the tag: see core/feedback.ts.
          ...(message.issueId ? { Tags: [{ Name: ISSUE_TAG, Value: sesTagValue(message.issueId) }] } : {}),
        }),
      );
      if (!result.MessageId) throw new Error('SES accepted the message but returned no message id');
      return { messageId: result.MessageId };
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (THROTTLING.has(name) || status === 429 || (status !== undefined && status >= 500)) {
        throw new MailerThrottledError(`SES is throttling or unavailable (${name || status})`, {
          cause: error,
        });
      }
      if (REJECTED.has(name) || status === 400) {
        throw new MessageRejectedError(`SES rejected the message to ${message.to} (${name})`, {
          cause: error,
        });
      }
      throw error;
    }
  }
}
