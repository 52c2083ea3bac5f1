import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';

const require = createRequire(import.meta.url);

interface StoredEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
  attachments: unknown[];
  at: number;
}

const addresses = (value: { text: string } | { text: string }[] | undefined): string[] =>
  (Array.isArray(value) ? value : value ? [value] : []).map((a) => a.text);

/**
 * Puts recent outbox messages back into the SES stand-in's inbox viewer. The stand-in keeps
 * mail in memory only, so after a restart the viewer would be empty although the ledger (rightly)
 * says everything went out; this re-shows the newest `limit` messages of the last `days` days.
 * Nothing is sent: the messages are placed straight into the viewer's store.
 */
export async function replayOutbox(
  outboxDir: string,
  options: { days?: number; limit?: number } = {},
): Promise<number> {
  const { days = 2, limit = 200 } = options;
  const since = Date.now() - days * 86_400_000;
  const files: { path: string; mtime: number }[] = [];
  let folders: string[];
  try {
    folders = await readdir(outboxDir);
  } catch {
    return 0;
  }
  for (const folder of folders) {
    let names: string[];
    try {
      names = await readdir(join(outboxDir, folder));
    } catch {
      continue;
    }
    for (const name of names.filter((n) => n.endsWith('.eml'))) {
      const path = join(outboxDir, folder, name);
      const { mtimeMs } = await stat(path);
      if (mtimeMs >= since) files.push({ path, mtime: mtimeMs });
    }
  }
  files.sort((a, b) => a.mtime - b.mtime);
  const store = require('aws-ses-v2-local/dist/store.js') as { saveEmail(email: StoredEmail): void };
  let replayed = 0;
  for (const file of files.slice(-limit)) {
    try {
      const mail = await simpleParser(await readFile(file.path));
      store.saveEmail({
        messageId: mail.messageId ?? file.path,
        from: mail.from?.text ?? '',
        replyTo: addresses(mail.replyTo),
        destination: { to: addresses(mail.to), cc: addresses(mail.cc), bcc: [] },
        subject: mail.subject ?? '(no subject)',
        body: { ...(mail.text ? { text: mail.text } : {}), ...(mail.html ? { html: mail.html } : {}) },
        attachments: [],
        at: Math.floor(file.mtime / 1000),
      });
      replayed++;
    } catch {
      // An unreadable file in the outbox is not worth stopping the stack for.
    }
  }
  return replayed;
}
