import { applyFeedback, type FeedbackAction, type FeedbackDeps, parseFeedback } from '../../core/feedback.js';
import * as z from '../../core/zod.js';

/**
 * The feedback function's event adapter. Two kinds of invocation reach it:
 * - SNS (`Records[].Sns.Message`, JSON): the configuration set's event publishing (bounces,
 *   complaints, deliveries) or SES notifications;
 * - the SES receipt rule for the `mailto:` unsubscribe address (`Records[].ses` = mail + receipt).
 * Every message is validated; shapes we do not know are logged and dropped, never retried.
 */

const SnsRecord = z.object({ Sns: z.object({ Message: z.string().check(z.maxLength(256 * 1024)) }) });
const SesRecord = z.object({ ses: z.object({ mail: z.unknown(), receipt: z.unknown() }) });
const EventSchema = z.object({ Records: z.array(z.unknown()).check(z.maxLength(100)) });

/** The SES-level message inside one record, or undefined for a record of another shape. */
export function messageOf(record: unknown): unknown {
  const sns = SnsRecord.safeParse(record);
  if (sns.success) {
    try {
      return JSON.parse(sns.data.Sns.Message);
    } catch {
      return undefined;
    }
  }
  const ses = SesRecord.safeParse(record);
  if (ses.success)
    return { notificationType: 'Received', mail: ses.data.ses.mail, receipt: ses.data.ses.receipt };
  return undefined;
}

export interface FeedbackEventDeps {
  feedback: FeedbackDeps;
  log(level: 'info' | 'warn', message: string, detail?: Record<string, unknown>): void;
}

export function feedbackEventHandler(
  deps: FeedbackEventDeps,
): (event: unknown) => Promise<{ actions: FeedbackAction[]; ignored: number }> {
  return async (event) => {
    const parsed = EventSchema.safeParse(event);
    if (!parsed.success) {
      deps.log('warn', 'feedback event of an unknown shape; dropped');
      return { actions: [], ignored: 1 };
    }
    const actions: FeedbackAction[] = [];
    let ignored = 0;
    for (const record of parsed.data.Records) {
      const feedback = parseFeedback(messageOf(record));
      if (!feedback) {
        ignored++;
        deps.log('warn', 'feedback record of an unknown shape; dropped');
        continue;
      }
      const applied = await applyFeedback(deps.feedback, feedback);
      // Addresses are personal data: log what happened, not to whom.
      deps.log('info', 'feedback applied', { kind: feedback.kind, actions: applied.map((a) => a.action) });
      actions.push(...applied);
    }
    return { actions, ignored };
  };
}
