/**
 * Per-recipient cost of a digest: splicing one reader's values into the issue's MIME message,
 * encoded once (`personalize(prepareMessage(render(issue)))`), against rendering the whole
 * message for that reader (the compiled template filled with the reader's values, then the MIME
 * message written: what a per-reader render costs now that MJML and Liquid are compiled at build
 * time), warm. The issue is the twelve-brief fixture. Before timing, both paths are checked to give the
 * same message apart from Message-ID, Date and MIME boundaries (parsed with mailparser): same
 * html, same text, same headers.
 *
 *   npx tsx bench/render.bench.ts [--full 40] [--recipients 5000] [--repeats 5]
 */
import { isDeepStrictEqual } from 'node:util';
import { type ParsedMail, simpleParser } from 'mailparser';
import { DigestRenderer } from '../lambdas/adapters/digest-renderer.js';
import {
  composeMessage,
  type MessageEnvelope,
  personalize,
  prepareMessage,
} from '../lambdas/adapters/mime.js';
import type { RecipientLinks } from '../lambdas/core/digest.js';
import { digestInput, recipient } from '../tests/support/digest-fixture.js';
import { type Figure, numericFlags, runIfMain, stats } from './lib.js';

const COMMAND = 'npx tsx bench/render.bench.ts';

const envelope: MessageEnvelope = {
  from: 'Tidings <digest@tidings.example>',
  listId: 'Tidings D.C. <dc.tidings.example>',
  issueId: 'dc-2026-11-30',
  configurationSet: 'tidings',
};

function readers(count: number): RecipientLinks[] {
  return Array.from({ length: count }, (_, i) =>
    recipient(
      `reader${i}@example.com`,
      i % 3 === 0 ? undefined : i % 3 === 1 ? `Reader ${i}` : `Zoë Ångström ${i}`,
    ),
  );
}

function comparable(mail: ParsedMail): unknown {
  const headers = [...mail.headers.entries()]
    .filter(([name]) => !['message-id', 'date', 'content-type'].includes(name))
    .sort(([a], [b]) => a.localeCompare(b));
  return { html: mail.html, text: mail.text, headers };
}

export default async function renderBench(argv: string[]): Promise<Figure[]> {
  const { full, recipients, repeats } = numericFlags(argv, { full: 40, recipients: 5000, repeats: 5 });
  const renderer = await DigestRenderer.create();
  const input = digestInput();
  const when = { messageId: '<bench.1@tidings.example>', date: new Date('2026-11-30T11:30:00Z') };

  // Render and encode once per issue, as the compose and send functions do.
  const digest = await renderer.render(input);
  const prepared = await prepareMessage(digest, envelope);

  // Both paths must give the same message before either is timed.
  for (const reader of readers(6)) {
    const spliced = await simpleParser(Buffer.from(personalize(prepared, reader, when)));
    const whole = await simpleParser(
      Buffer.from(await composeMessage(await renderer.renderFor(input, reader), envelope, reader, when)),
    );
    if (!isDeepStrictEqual(comparable(spliced), comparable(whole))) {
      throw new Error(`spliced and fully rendered messages differ for ${reader.email}`);
    }
  }

  // Baseline: a full render per recipient (warm: the checks above ran both paths already). Value:
  // personalize, timed in batches (one message is too short for the timer), per message. The two
  // alternate, a share of the full renders then a batch of personalisations each round, so that a
  // machine that slows down or speeds up during the run weighs on both alike.
  const fullReaders = readers(full);
  const splicedReaders = readers(recipients);
  for (const reader of splicedReaders.slice(0, 500)) personalize(prepared, reader);
  const perRound = Math.ceil(full / repeats);
  const fullSamples: number[] = [];
  const perMessage: number[] = [];
  for (let r = 0; r < repeats; r++) {
    for (const reader of fullReaders.slice(r * perRound, (r + 1) * perRound)) {
      const start = performance.now();
      await composeMessage(await renderer.renderFor(input, reader), envelope, reader);
      fullSamples.push((performance.now() - start) * 1000);
    }
    const start = performance.now();
    for (const reader of splicedReaders) personalize(prepared, reader);
    perMessage.push(((performance.now() - start) * 1000) / splicedReaders.length);
  }
  const baseline = stats(fullSamples);
  const value = stats(perMessage);

  return [
    {
      name: 'render',
      value: value.median,
      unit: 'µs/message',
      baseline: baseline.median,
      baselineName: 'full render per recipient (compiled template filled, MIME written)',
      ratio: value.median / baseline.median,
      higherIsBetter: false,
      command: `${COMMAND} --full ${full} --recipients ${recipients} --repeats ${repeats}`,
      spread: value.iqr,
      baselineSpread: baseline.iqr,
      notes:
        `${Math.round(baseline.median / value.median)}x cheaper per recipient (target 50x); twelve-brief issue, ` +
        `${(Buffer.byteLength(digest.html) / 1024).toFixed(1)} KB html; both paths checked equal apart from ` +
        `Message-ID, Date and boundaries; one-off per issue: prepareMessage`,
    },
  ];
}

await runIfMain(import.meta.url, renderBench);
