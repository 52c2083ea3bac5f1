/**
 * Size of a digest against Gmail's clipping limit: Gmail cuts off messages whose HTML passes
 * about 102 KB (102,400 bytes) behind a "View entire message" link, hiding the footer with the
 * unsubscribe link. The issue is the twelve-brief fixture (12 briefs, 3 signals each); the
 * project's own bar is 60 KB with a reader's values in (the size gate in
 * `tests/adapters/digest-renderer.test.ts`). Also reports the encoded message size for one reader.
 *
 *   npx tsx bench/email-size.bench.ts
 */
import { DigestRenderer } from '../lambdas/adapters/digest-renderer.js';
import { personalize, prepareMessage } from '../lambdas/adapters/mime.js';
import { fillSlots, recipientSlotValues } from '../lambdas/core/digest.js';
import { digestInput, recipient } from '../tests/support/digest-fixture.js';
import { DIGEST_HTML_LIMIT } from '../tests/support/email-size.js';
import { type Figure, runIfMain } from './lib.js';

const COMMAND = 'npx tsx bench/email-size.bench.ts';
const GMAIL_CLIP_BYTES = 102_400;

export default async function emailSizeBench(_argv: string[]): Promise<Figure[]> {
  const renderer = await DigestRenderer.create();
  const input = digestInput();
  const digest = await renderer.render(input);
  const reader = recipient('reader@example.com', 'Reader');
  const readerHtml = fillSlots(digest.html, recipientSlotValues(digest.publication ?? '', reader), 'html');
  const prepared = await prepareMessage(digest, {
    from: 'Tidings <digest@tidings.example>',
    listId: 'Tidings D.C. <dc.tidings.example>',
    issueId: input.issueId,
  });
  const raw = personalize(prepared, reader);
  const value = Buffer.byteLength(readerHtml);
  return [
    {
      name: 'email-size',
      value,
      unit: 'bytes',
      baseline: GMAIL_CLIP_BYTES,
      baselineName: "Gmail's clipping limit (~102 KB of HTML)",
      ratio: value / GMAIL_CLIP_BYTES,
      higherIsBetter: false,
      command: COMMAND,
      notes:
        `twelve briefs x 3 signals; html ${(value / 1024).toFixed(1)} KB for one reader ` +
        `(${(digest.htmlBytes / 1024).toFixed(1)} KB without reader values; ` +
        `bar ${DIGEST_HTML_LIMIT / 1024} KB, ${value <= DIGEST_HTML_LIMIT ? 'met' : 'MISSED'}); ` +
        `whole MIME message ${(raw.byteLength / 1024).toFixed(1)} KB (html + text, quoted-printable)`,
    },
  ];
}

await runIfMain(import.meta.url, emailSizeBench);
