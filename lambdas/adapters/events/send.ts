import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ISSUE_ID_PATTERN } from '../../core/edition.js';
import { TidingsError } from '../../core/errors.js';
import { type CompletionDeps, noteSettled } from '../../core/issue-life.js';
import type { IssueStore } from '../../core/ports.js';
import { type SendDeps, sendBatch, UnknownIssueError } from '../../core/send.js';
import * as z from '../../core/zod.js';

/**
 * The send function's event adapter: SQS batches of send messages, each a slice of one issue's
 * readers. Records that must be tried again (a fresh claim held elsewhere, SES still throttling, a
 * store error) are reported as partial batch failures; the rest are done, whatever the ledger said.
 * After each message the readers it settled are counted towards the issue's completion.
 */

export const SendMessageSchema = z.strictObject({
  issueId: z.string().check(z.regex(ISSUE_ID_PATTERN)),
  recipients: z
    .array(
      z.strictObject({
        email: z.string().check(z.minLength(3), z.maxLength(254)),
        name: z.optional(z.string().check(z.maxLength(200))),
      }),
    )
    .check(z.minLength(1), z.maxLength(100)),
});

/** A record that can never be processed; it goes to the dead-letter queue through retries. */
export class BadSendMessageError extends TidingsError {
  override readonly name = 'BadSendMessageError';
  override readonly kind = 'invalid-input';
}

/** Thrown to mark a record for redelivery (a partial batch failure). */
export class SendRetryError extends TidingsError {
  override readonly name = 'SendRetryError';
  override readonly kind = 'unavailable';
}

export interface SendEventDeps {
  send: SendDeps;
  completion: CompletionDeps & { issues: Pick<IssueStore, 'get' | 'replace' | 'countSettled'> };
  log(level: 'info' | 'error', event: string, detail: Record<string, unknown>): void;
}

/** Outcomes that settle a reader's row for good in this attempt (not a redelivery's "already done"). */
const SETTLING = new Set(['sent', 'failed', 'skipped', 'cancelled', 'unknown']);

/** The SQS handler over the send core. */
export function sendEventHandler(
  deps: SendEventDeps,
): (event: SQSEvent, context: unknown) => Promise<SQSBatchResponse> {
  const processRecord = async (record: SQSRecord): Promise<void> => {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch (error) {
      throw new BadSendMessageError(`message ${record.messageId} is not JSON`, { cause: error });
    }
    const parsed = SendMessageSchema.safeParse(body);
    if (!parsed.success) {
      throw new BadSendMessageError(
        `message ${record.messageId}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      );
    }
    const batch = {
      issueId: parsed.data.issueId,
      recipients: parsed.data.recipients.map((r) =>
        r.name ? { email: r.email, name: r.name } : { email: r.email },
      ),
    };
    try {
      const result = await sendBatch(deps.send, batch);
      const tally: Record<string, number> = {};
      for (const { outcome } of result.outcomes) tally[outcome] = (tally[outcome] ?? 0) + 1;
      deps.log('info', 'send batch', { issueId: batch.issueId, messageId: record.messageId, ...tally });
      const settled = result.outcomes.filter((o) => SETTLING.has(o.outcome)).length;
      const completion = await noteSettled(deps.completion, batch.issueId, settled, deps.send.clock.now());
      if (completion?.completed)
        deps.log('info', 'issue sent', { issueId: batch.issueId, ...completion.ledger });
      if (result.retry) throw new SendRetryError(`message ${record.messageId} has readers to try again`);
    } catch (error) {
      if (error instanceof UnknownIssueError)
        deps.log('error', 'send message for an unknown issue', { error });
      throw error;
    }
  };
  const processor = new BatchProcessor(EventType.SQS);
  return (event, context) =>
    processPartialResponse(event, processRecord, processor, {
      context: context as never,
      throwOnFullBatchFailure: false,
    });
}
