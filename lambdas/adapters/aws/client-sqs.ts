import { createHash } from 'node:crypto';
import { AwsClient, type AwsClientConfig, callJson, type ResponseMetadata } from './signed-call.js';

/**
 * `@aws-sdk/client-sqs` in the functions' bundles (see signed-call.ts): SendMessageBatch over SQS's
 * JSON protocol, sent to the queue URL's host as the SDK does, with the body digests SQS returns
 * checked as the SDK checks them.
 */

interface Entry {
  Id: string;
  MessageBody: string;
  [field: string]: unknown;
}

interface BatchOutput {
  Successful?: { Id: string; MessageId?: string; MD5OfMessageBody?: string }[];
  Failed?: { Id: string; SenderFault?: boolean; Code?: string; Message?: string }[];
}

export class SendMessageBatchCommand {
  constructor(readonly input: { QueueUrl: string; Entries: Entry[] }) {}
}

export class SQSClient {
  private readonly client: AwsClient;

  constructor(config: AwsClientConfig = {}) {
    this.client = new AwsClient({ signingName: 'sqs', endpointPrefix: 'sqs', envId: 'SQS' }, config);
  }

  async send(command: SendMessageBatchCommand): Promise<BatchOutput & { $metadata: ResponseMetadata }> {
    const { input } = command;
    const output = await callJson<BatchOutput>(
      this.client,
      'AmazonSQS.SendMessageBatch',
      '1.0',
      input,
      input.QueueUrl,
    );
    const bodies = new Map(input.Entries.map((entry) => [entry.Id, entry.MessageBody]));
    for (const sent of output.Successful ?? []) {
      const body = bodies.get(sent.Id) ?? '';
      const digest = createHash('md5').update(body).digest('hex');
      if (sent.MD5OfMessageBody !== digest) {
        throw new Error(
          `SQS returned the digest ${sent.MD5OfMessageBody} for entry ${sent.Id}, not ${digest}`,
        );
      }
    }
    return output;
  }

  destroy(): void {}
}
