import type { Mailer, OutgoingMessage } from '../../../lambdas/core/ports.js';

/** A mailer that records what it was given; `fail` decides per message what goes wrong. */
export class RecordingMailer implements Mailer {
  readonly sent: OutgoingMessage[] = [];
  fail: (message: OutgoingMessage, attempt: number) => Error | undefined = () => undefined;
  private attempts = new Map<string, number>();
  private counter = 0;
  async send(message: OutgoingMessage): Promise<{ messageId: string }> {
    const attempt = (this.attempts.get(message.to) ?? 0) + 1;
    this.attempts.set(message.to, attempt);
    const error = this.fail(message, attempt);
    if (error) throw error;
    this.sent.push(message);
    return { messageId: `msg-${++this.counter}` };
  }
  /** How many messages went to `email`. */
  to(email: string): number {
    return this.sent.filter((m) => m.to === email).length;
  }
}
