import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { TidingsError } from '../core/errors.js';
import type { SendBatch, SendQueue } from '../core/ports.js';

/** SendMessageBatch takes at most ten entries. */
const ENTRIES_PER_CALL = 10;
const MAX_ATTEMPTS = 5;

/** A queue entry SQS would not take after retries. */
export class SendQueueError extends TidingsError {
  override readonly name = 'SendQueueError';
  override readonly kind = 'unavailable';
}

/** The send queue on SQS: one message per {@link SendBatch}, ten messages per SendMessageBatch call. */
export class SqsSendQueue implements SendQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async enqueue(batches: readonly SendBatch[]): Promise<void> {
    for (let i = 0; i < batches.length; i += ENTRIES_PER_CALL) {
      await this.sendChunk(batches.slice(i, i + ENTRIES_PER_CALL));
    }
  }

  private async sendChunk(chunk: readonly SendBatch[]): Promise<void> {
    let pending = chunk.map((batch, i) => ({ Id: String(i), MessageBody: JSON.stringify(batch) }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      const result = await this.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }),
      );
      const failed = new Set((result.Failed ?? []).map((f) => f.Id));
      const senderFault = (result.Failed ?? []).find((f) => f.SenderFault);
      if (senderFault) {
        throw new SendQueueError(
          `SQS refused a send batch: ${senderFault.Code} ${senderFault.Message ?? ''}`.trim(),
        );
      }
      pending = pending.filter((entry) => failed.has(entry.Id));
      if (pending.length > 0 && attempt >= MAX_ATTEMPTS) {
        throw new SendQueueError(`SQS did not take ${pending.length} send batches after ${attempt} attempts`);
      }
      if (pending.length > 0) await this.sleep(100 * 2 ** attempt);
    }
  }
}
