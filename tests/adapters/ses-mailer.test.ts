import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SesMailer } from '../../lambdas/adapters/ses-mailer.js';
import {
  MailerThrottledError,
  MessageRejectedError,
  type OutgoingMessage,
} from '../../lambdas/core/ports.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const message: OutgoingMessage = {
  raw: new TextEncoder().encode(
    'From: Tidings <digest@tidings.example>\r\nTo: reader@example.com\r\nSubject: Hello\r\nContent-Type: text/plain\r\n\r\nBody text\r\n',
  ),
  from: 'digest@tidings.example',
  to: 'reader@example.com',
  folder: 'tests',
};

describe('SesMailer', () => {
  describe('against the SES stand-in', () => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await startTestStack();
    });
    afterAll(async () => {
      await stack?.close();
    });

    it('sends the raw message with the configuration set and returns the message id SES gave', async () => {
      await stack.clearInbox();
      const { messageId } = await new SesMailer(stack.ses, { configurationSet: 'tidings' }).send(message);
      const inbox = await stack.inbox();
      expect(inbox).toHaveLength(1);
      expect(inbox[0]).toMatchObject({ messageId, subject: 'Hello' });
    });
  });

  describe('message tags', () => {
    let ses: AwsClientStub<SESClient>;
    beforeAll(() => {
      ses = mockClient(SESClient);
    });
    afterAll(() => ses.restore());

    it("tags a digest with its issue id, so SES's events name the issue", async () => {
      ses.reset();
      ses.on(SendRawEmailCommand).resolves({ MessageId: 'm-1' });
      const mailer = new SesMailer(new SESClient({ region: 'us-east-1' }), { configurationSet: 'tidings' });
      await mailer.send({ ...message, issueId: 'dc-2026-11-30' });
      await mailer.send(message);
      const calls = ses.commandCalls(SendRawEmailCommand).map((c) => c.args[0].input);
      expect(calls[0]?.Tags).toEqual([{ Name: 'issue', Value: 'dc-2026-11-30' }]);
      expect(calls[0]?.ConfigurationSetName).toBe('tidings');
      expect(calls[1]?.Tags).toBeUndefined();
    });

    it('keeps a tag value to the characters SES allows', async () => {
      ses.reset();
      ses.on(SendRawEmailCommand).resolves({ MessageId: 'm-2' });
      await new SesMailer(new SESClient({ region: 'us-east-1' })).send({
        ...message,
        issueId: 'dc 2026/11.30',
      });
      const input = ses.commandCalls(SendRawEmailCommand)[0]?.args[0].input;
      expect(input?.Tags).toEqual([{ Name: 'issue', Value: 'dc_2026_11_30' }]);
    });
  });

  // Faults the stand-in cannot produce, through a mocked client.
  describe('SES errors', () => {
    // Mocked only from here on, so the stand-in test above uses the real client.
    let ses: AwsClientStub<SESClient>;
    beforeAll(() => {
      ses = mockClient(SESClient);
    });
    afterAll(() => ses.restore());
    const fail = (name: string, status: number) =>
      Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

    it.each([
      ['Throttling', 400],
      ['ThrottlingException', 400],
      ['ServiceUnavailable', 503],
      ['SomethingNew', 500],
      ['TooManyRequests', 429],
    ])('maps %s (%i) to MailerThrottledError, to be retried', async (name, status) => {
      ses.reset();
      ses.on(SendRawEmailCommand).rejects(fail(name, status));
      await expect(new SesMailer(new SESClient({ region: 'us-east-1' })).send(message)).rejects.toThrow(
        MailerThrottledError,
      );
    });

    it.each([
      ['MessageRejected', 400],
      ['MailFromDomainNotVerifiedException', 400],
      ['ConfigurationSetDoesNotExistException', 400],
      ['AccountSendingPausedException', 400],
    ])('maps %s to MessageRejectedError, not retried', async (name, status) => {
      ses.reset();
      ses.on(SendRawEmailCommand).rejects(fail(name, status));
      await expect(new SesMailer(new SESClient({ region: 'us-east-1' })).send(message)).rejects.toThrow(
        MessageRejectedError,
      );
    });

    it('passes on an error it cannot classify (it may have been sent: the claim stays)', async () => {
      ses.reset();
      ses.on(SendRawEmailCommand).rejects(new Error('socket hang up'));
      const error = await new SesMailer(new SESClient({ region: 'us-east-1' }))
        .send(message)
        .catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(MailerThrottledError);
      expect(error).not.toBeInstanceOf(MessageRejectedError);
    });

    it('refuses an acceptance without a message id', async () => {
      ses.reset();
      ses.on(SendRawEmailCommand).resolves({ MessageId: undefined as unknown as string });
      await expect(new SesMailer(new SESClient({ region: 'us-east-1' })).send(message)).rejects.toThrow(
        /no message id/,
      );
    });
  });
});
