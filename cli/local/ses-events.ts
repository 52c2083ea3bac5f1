import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoLedgerStore } from '../../lambdas/adapters/dynamo-ledger-store.js';
import { DynamoSubscriberStore } from '../../lambdas/adapters/dynamo-subscriber-store.js';
import type { TableNames } from '../../lambdas/adapters/tables.js';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import { applyFeedback, type FeedbackAction, parseFeedback } from '../../lambdas/core/feedback.js';
import { systemClock } from '../../lambdas/core/ports.js';

/**
 * The SES stand-in's side of event publishing. In AWS, SES itself publishes a `Send` event for
 * every message it accepts (the configuration set's event destination, then SNS, then the feedback
 * function); the sending code has no part in it, so a sender that dies after SES took a message
 * cannot stop the event. Locally the same holds: the stand-in's HTTP server is tapped, and each
 * `SendRawEmail` it answers with a message id becomes the event SES would publish, handed to the
 * same feedback code (core/feedback.ts) in the process that runs the stand-in.
 */

/** Where the stand-in's events go. */
export type SesEventSink = (event: unknown) => Promise<unknown>;

interface ParsedBody {
  Action?: string;
  Source?: string;
  ConfigurationSetName?: string;
  [key: string]: unknown;
}

/** The Send event SES would publish for one accepted `SendRawEmail` request. */
export function sendEventOf(body: ParsedBody, messageId: string, at: Date): Record<string, unknown> {
  const destination: string[] = [];
  const tags: Record<string, string[]> = {};
  for (let i = 1; typeof body[`Destinations.member.${i}`] === 'string'; i++) {
    destination.push(body[`Destinations.member.${i}`] as string);
  }
  for (let i = 1; typeof body[`Tags.member.${i}.Name`] === 'string'; i++) {
    const name = body[`Tags.member.${i}.Name`] as string;
    const value = body[`Tags.member.${i}.Value`];
    if (typeof value === 'string') tags[name] = [value];
  }
  if (body.ConfigurationSetName) tags['ses:configuration-set'] = [body.ConfigurationSetName];
  return {
    eventType: 'Send',
    mail: {
      timestamp: at.toISOString(),
      source: body.Source ?? '',
      messageId,
      destination,
      headersTruncated: false,
      tags,
    },
    send: {},
  };
}

export interface SendEventTap {
  /** Resolves once every event emitted so far has been handled. */
  idle(): Promise<void>;
  /** Events emitted so far. */
  readonly emitted: number;
}

/**
 * Taps the stand-in's server: each successful `SendRawEmail` answer emits a Send event to `sink`,
 * one at a time in the order the stand-in answered. Sink failures are reported to `onError`.
 */
export function tapSendEvents(
  server: Server,
  sink: SesEventSink,
  onError: (error: unknown) => void = () => undefined,
): SendEventTap {
  let chain: Promise<void> = Promise.resolve();
  let emitted = 0;
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      const body = (req as IncomingMessage & { body?: ParsedBody }).body;
      const chunk = args[0];
      if (res.statusCode === 200 && body?.Action === 'SendRawEmail' && chunk !== undefined) {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
        const messageId = /<MessageId>([^<]+)<\/MessageId>/.exec(text)?.[1];
        if (messageId) {
          emitted++;
          const event = sendEventOf(body, messageId, new Date());
          chain = chain.then(() => sink(event).then(() => undefined, onError));
        }
      }
      return end(...args);
    }) as typeof res.end;
  });
  return {
    idle: () => chain,
    get emitted() {
      return emitted;
    },
  };
}

/** The feedback code on the local stack's tables, as the feedback function runs it in AWS. */
export function localFeedbackSink(stack: {
  config: TidingsConfig;
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  tables: TableNames;
}): SesEventSink {
  const now = (): Date => systemClock.now();
  const deps = {
    config: stack.config,
    subscribers: new DynamoSubscriberStore(stack.doc, stack.tables.subscribers, now),
    ledger: new DynamoLedgerStore(stack.dynamo, stack.tables.ledger, now),
    clock: systemClock,
    // Receipt notifications (mailto: unsubscribes) never come from the stand-in.
    verifyMailto: () => undefined,
  };
  return async (event): Promise<FeedbackAction[]> => {
    const feedback = parseFeedback(event);
    return feedback ? applyFeedback(deps, feedback) : [];
  };
}
