import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Route } from 'playwright-core';
import { personalize, prepareMessage } from '../../lambdas/adapters/mime.js';
import type { EditionConfig, TidingsConfig } from '../../lambdas/core/config.js';
import {
  countOf,
  fillSlots,
  publicationName,
  type RecipientLinks,
  recipientSlotValues,
} from '../../lambdas/core/digest.js';
import { localDate } from '../../lambdas/core/edition.js';
import { type PreviewResult, previewIssue } from '../../lambdas/core/issue-life.js';
import { type Keyring, readerLinks } from '../../lambdas/core/tokens.js';
import { parseCommand } from '../args.js';
import { COMMAND_SPECS } from '../command-specs.js';
import { type CliContext, editionList, UsageError } from '../context.js';
import { SAMPLE_IMAGES_PATH, sampleImage } from '../local/api-server.js';
import { CHROMIUM_PATH, launchChromium } from '../local/chromium.js';
import { openTarget } from '../target.js';

/** The screenshots: a desktop mail client, a phone, and the desktop in dark mode. */
export const PREVIEW_VIEWPORTS = [
  { suffix: 'desktop', width: 1024, height: 768, colorScheme: 'light' },
  { suffix: 'mobile', width: 375, height: 812, colorScheme: 'light' },
  { suffix: 'dark', width: 1024, height: 768, colorScheme: 'dark' },
] as const;

/** Remote images get this long to load before the screenshot is taken without them. */
const IMAGE_WAIT_MS = 5_000;

/**
 * `--out` names a folder, created when missing; a file there (or on the way there) is bad input,
 * said before anything starts, instead of mkdir's EEXIST after the stack and the render.
 * @throws UsageError
 */
export async function assertOutFolder(out: string): Promise<void> {
  const found = await stat(out).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    if (error.code === 'ENOTDIR') return { isDirectory: () => false };
    throw error;
  });
  if (found && !found.isDirectory()) {
    throw new UsageError(`--out ${out} is a file, not a folder: give a folder (it is created when missing)`);
  }
}

/**
 * `tidings preview --edition E [--out DIR] [--offline]`: renders what the edition's next send would
 * contain (compose in dry run; the held issue itself when one waits for approval; its latest briefs
 * when nothing is new, saying so), names that issue and when it would go, sends and records
 * nothing, and writes
 * `DIR/E.html`, `E.txt`, `E.eml` and full-page screenshots `E-desktop.png` (1024 px) and
 * `E-mobile.png` (375 px), and `E-dark.png` (1024 px, dark mode); `--offline` leaves remote images out of the screenshots. Exit 2 for an unknown edition, 1 when there is nothing to preview.
 */
export default async function preview(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommand(COMMAND_SPECS.preview, args);
  const editions = editionList(values.edition, ctx.config);
  if (editions.length === 0) throw new UsageError('preview needs --edition E (e.g. --edition dc)');
  const out = resolve(values.out ?? 'preview');
  await assertOutFolder(out);

  const target = await openTarget(ctx);
  const { config, wiring } = target;
  const keyring = await wiring.keyring();
  const now = wiring.clock.now();
  await mkdir(out, { recursive: true });

  const pages: { file: string; html: string }[] = [];
  let failed = false;
  for (const id of editions) {
    const edition = config.editions.find((e) => e.id === id);
    if (!edition) continue;
    const next = await previewIssue(wiring.compose(), id, now);
    const { issue } = next;
    if (issue.html === undefined || issue.text === undefined || issue.subject === undefined) {
      ctx.err(`${id}: no briefs stored for this edition yet; run "tidings ingest" first`);
      failed = true;
      continue;
    }
    const digest = {
      subject: issue.subject,
      html: issue.html,
      text: issue.text,
      ...(issue.publication ? { publication: issue.publication } : {}),
    };
    const reader = previewReader(config, edition, keyring);
    const publication = publicationName(config, edition);
    const slots = recipientSlotValues(publication, reader);
    const html = fillSlots(digest.html, slots, 'html');
    const sender = config.sender;
    const prepared = await prepareMessage(digest, {
      from: `${sender.name} <${sender.address}>`,
      ...(sender.replyTo ? { replyTo: sender.replyTo } : {}),
      listId: `${publication} <${edition.id}.${sender.domain}>`,
      publication,
      issueId: next.issueId,
      configurationSet: config.ses.configurationSet,
    });
    await writeFile(join(out, `${id}.html`), html);
    await writeFile(join(out, `${id}.txt`), fillSlots(digest.text, slots, 'text'));
    await writeFile(join(out, `${id}.eml`), personalize(prepared, reader, { date: now }));
    pages.push({ file: join(out, id), html });
    ctx.out(previewLine(next, edition));
    ctx.out(
      `${id}: ${countOf(issue.briefIds.length, 'brief')}, ${((issue.htmlBytes ?? 0) / 1024).toFixed(1)} KB html; ` +
        `subject "${issue.subject}"`,
    );
  }

  if (pages.length > 0) {
    if (!existsSync(CHROMIUM_PATH)) {
      ctx.err(
        `Chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium): screenshots not written`,
      );
      return 1;
    }
    const broken = await screenshots(pages, { offline: values.offline === true });
    for (const { file, src } of broken) {
      ctx.err(`${basename(file)}: an image did not load in the screenshots: ${src}`);
    }
  }
  for (const page of pages) {
    ctx.out(`wrote ${page.file}.{html,txt,eml} ${page.file}-{desktop,mobile,dark}.png`);
  }
  return failed ? 1 : 0;
}

/**
 * What the preview is, for people: which issue (the next send's, or the edition's latest briefs
 * when nothing is new, or the held issue), its id, when it would go, and to how many readers.
 */
export function previewLine(next: PreviewResult, edition: Pick<EditionConfig, 'id' | 'timeZone'>): string {
  const when = `${next.sendsAt.toISOString().slice(0, 16).replace('T', ' ')} UTC (${localDate(next.sendsAt, edition.timeZone)} ${localTime(next.sendsAt, edition.timeZone)} ${edition.timeZone})`;
  switch (next.kind) {
    case 'stored':
      return `${edition.id}: issue ${next.issueId}, held for approval since ${when}; goes to ${countOf(next.readers, 'reader')} on "tidings approve ${next.issueId}"`;
    case 'next':
      return `${edition.id}: the next send, issue ${next.issueId}, goes ${when} to ${countOf(next.readers, 'reader')}: ${next.why}`;
    case 'latest':
      return `${edition.id}: not the next send: ${next.why}; the next issue would be ${next.issueId}, due ${when}`;
  }
}

function localTime(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(instant);
}

/** A stand-in reader so the preview shows real-looking links; signed, but for no subscriber. */
function previewReader(config: TidingsConfig, edition: EditionConfig, keyring: Keyring): RecipientLinks {
  const email = `preview@${config.sender.domain}`;
  const links = readerLinks(keyring, {
    baseUrl: config.baseUrl,
    mailDomain: config.sender.domain,
    email,
    edition: edition.id,
  });
  return { ...links, email, name: 'Preview Reader' };
}

/**
 * Full-page screenshots of each page at the desktop and the phone viewport, in one browser; returns
 * the images that did not load. The sample pictures are answered from `samples/images/` as the
 * local API answers them, so a preview shows them whether or not `tidings dev` is running.
 */
async function screenshots(
  pages: { file: string; html: string }[],
  options: { offline: boolean },
): Promise<{ file: string; src: string }[]> {
  const profile = await mkdtemp(join(tmpdir(), 'tidings-preview-'));
  const broken: { file: string; src: string }[] = [];
  try {
    const context = await launchChromium(profile);
    try {
      for (const { file, html } of pages) {
        for (const viewport of PREVIEW_VIEWPORTS) {
          const page = await context.newPage();
          if (options.offline) await page.route(/^(?!data:|about:)/, (route) => route.abort());
          else await page.route(isLocalSampleImage, answerFromSamples);
          await page.setViewportSize({ width: viewport.width, height: viewport.height });
          await page.emulateMedia({ colorScheme: viewport.colorScheme });
          await page.setContent(html, { waitUntil: 'domcontentloaded' });
          await page.waitForLoadState('load', { timeout: IMAGE_WAIT_MS }).catch(() => undefined);
          await page.screenshot({ path: `${file}-${viewport.suffix}.png`, fullPage: true });
          if (viewport === PREVIEW_VIEWPORTS[0] && !options.offline) {
            const sources = await page.evaluate(() =>
              Array.from(document.images)
                .filter((image) => !image.complete || image.naturalWidth === 0)
                .map((image) => image.currentSrc || image.src),
            );
            for (const src of new Set(sources)) broken.push({ file, src });
          }
          await page.close();
        }
      }
    } finally {
      await context.close();
    }
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
  return broken;
}

/** A request for a sample picture on a loopback base URL (the local API's `samples/images/`). */
function isLocalSampleImage(url: URL): boolean {
  return (
    (url.hostname === '127.0.0.1' || url.hostname === 'localhost') &&
    url.pathname.startsWith(SAMPLE_IMAGES_PATH)
  );
}

async function answerFromSamples(route: Route): Promise<void> {
  const response = await sampleImage(new Request(route.request().url()));
  await route.fulfill({
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: Buffer.from(await response.arrayBuffer()),
  });
}
