import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Mailer, OutgoingMessage } from '../../lambdas/core/ports.js';

/** Outbox file name for a recipient: the address itself where it is filename-safe, else escaped. */
export function outboxFileName(recipient: string): string {
  return `${recipient.replace(/[^A-Za-z0-9@._+-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}.eml`;
}

/**
 * Keeps every raw message that the wrapped mailer accepted under `outbox/<folder>/<recipient>.eml`,
 * because the SES stand-in drops custom headers (List-Unsubscribe and friends) of raw messages.
 */
export class OutboxMailer implements Mailer {
  constructor(
    private readonly inner: Mailer,
    private readonly outboxDir: string,
  ) {}

  async send(message: OutgoingMessage): Promise<{ messageId: string }> {
    const result = await this.inner.send(message);
    const folder = message.folder.replace(/[^A-Za-z0-9._-]/g, '_') || 'misc';
    const dir = join(this.outboxDir, folder);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, outboxFileName(message.to)), message.raw);
    return result;
  }
}
