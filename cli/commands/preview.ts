import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DigestRenderer } from '../../lambdas/adapters/digest-renderer.js';
import { DynamoBriefStore } from '../../lambdas/adapters/dynamo-brief-store.js';
import { DynamoIssueStore } from '../../lambdas/adapters/dynamo-issue-store.js';
import { personalize, prepareMessage } from '../../lambdas/adapters/mime.js';
import type { StoredBrief } from '../../lambdas/core/brief.js';
import type { EditionConfig, TidingsConfig } from '../../lambdas/core/config.js';
import {
  type DigestBrief,
  fillSlots,
  publicationName,
  type RecipientLinks,
  recipientSlotValues,
} from '../../lambdas/core/digest.js';
import { currentIssueId, localDate } from '../../lambdas/core/edition.js';
import { ISSUE_STATES_THAT_WENT_OUT } from '../../lambdas/core/issue.js';
import { selectBriefs } from '../../lambdas/core/select-briefs.js';
import { parseKeyring, readerLinks } from '../../lambdas/core/tokens.js';
import { parseCommand } from '../args.js';
import { COMMAND_SPECS } from '../command-specs.js';
import { type CliContext, editionList, UsageError } from '../context.js';
import { CHROMIUM_PATH, launchChromium } from '../local/chromium.js';

/** The screenshots: a desktop mail client, a phone, and the desktop in dark mode. */
export const PREVIEW_VIEWPORTS = [
  { suffix: 'desktop', width: 1024, height: 768, colorScheme: 'light' },
  { suffix: 'mobile', width: 375, height: 812, colorScheme: 'light' },
  { suffix: 'dark', width: 1024, height: 768, colorScheme: 'dark' },
] as const;

const HISTORY = 60;
const MAX_BRIEF_PAGES = 20;
/** Remote images get this long to load before the screenshot is taken without them. */
const IMAGE_WAIT_MS = 5_000;

/**
 * `tidings preview --edition E [--out DIR] [--offline]`: renders the issue the edition would get now (its
 * latest briefs when nothing is new) without sending or recording anything, and writes
 * `DIR/E.html`, `E.txt`, `E.eml` and full-page screenshots `E-desktop.png` (1024 px) and
 * `E-mobile.png` (375 px), and `E-dark.png` (1024 px, dark mode); `--offline` leaves remote images out of the screenshots. Exit 2 for an unknown edition, 1 when there is nothing to preview.
 */
export default async function preview(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommand(COMMAND_SPECS.preview, args);
  const editions = editionList(values.edition, ctx.config);
  if (editions.length === 0) throw new UsageError('preview needs --edition E (e.g. --edition dc)');
  const out = resolve(values.out ?? 'preview');

  const stack = await ctx.stack();
  const briefs = new DynamoBriefStore(stack.doc, stack.tables.briefs);
  const issues = new DynamoIssueStore(stack.doc, stack.tables.issues);
  const keyring = parseKeyring(await readFile(stack.secretPath, 'utf8'));
  const renderer = await DigestRenderer.create();
  const now = new Date();
  await mkdir(out, { recursive: true });

  const pages: { file: string; html: string }[] = [];
  let failed = false;
  for (const id of editions) {
    const edition = ctx.config.editions.find((e) => e.id === id);
    if (!edition) continue;
    const selected = await briefsForNow({ briefs, issues }, ctx.config, edition, now);
    if (selected.briefs.length === 0) {
      ctx.err(`${id}: no briefs stored for this edition yet; run "tidings ingest" first`);
      failed = true;
      continue;
    }
    const issueId = currentIssueId(edition, now);
    const digest = await renderer.render({
      config: ctx.config,
      edition,
      issueId,
      localDate: localDate(now, edition.timeZone),
      briefs: selected.briefs,
    });
    const reader = previewReader(ctx.config, edition, keyring);
    const publication = publicationName(ctx.config, edition);
    const slots = recipientSlotValues(publication, reader);
    const html = fillSlots(digest.html, slots, 'html');
    const sender = ctx.config.sender;
    const prepared = await prepareMessage(digest, {
      from: `${sender.name} <${sender.address}>`,
      ...(sender.replyTo ? { replyTo: sender.replyTo } : {}),
      listId: `${publication} <${edition.id}.${sender.domain}>`,
      publication,
      issueId,
      configurationSet: ctx.config.ses.configurationSet,
    });
    await writeFile(join(out, `${id}.html`), html);
    await writeFile(join(out, `${id}.txt`), fillSlots(digest.text, slots, 'text'));
    await writeFile(join(out, `${id}.eml`), personalize(prepared, reader, { date: now }));
    pages.push({ file: join(out, id), html });
    ctx.out(
      `${id}: ${issueId}, ${selected.briefs.length} briefs (${selected.why}), ` +
        `${(digest.htmlBytes / 1024).toFixed(1)} KB html; subject "${digest.subject}"`,
    );
  }

  if (pages.length > 0) {
    if (!existsSync(CHROMIUM_PATH)) {
      ctx.err(
        `Chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium): screenshots not written`,
      );
      return 1;
    }
    await screenshots(pages, { offline: values.offline === true });
  }
  for (const page of pages) {
    ctx.out(`wrote ${page.file}.{html,txt,eml} ${page.file}-{desktop,mobile,dark}.png`);
  }
  return failed ? 1 : 0;
}

/**
 * The briefs the edition's issue would carry now: those since the last issue that went out, or,
 * when nothing is new (or there was no issue yet), its latest briefs. Reads only.
 */
async function briefsForNow(
  stores: { briefs: DynamoBriefStore; issues: DynamoIssueStore },
  config: TidingsConfig,
  edition: EditionConfig,
  now: Date,
): Promise<{ briefs: DigestBrief[]; why: string }> {
  const issueId = currentIssueId(edition, now);
  const previous = (await stores.issues.listByEdition(edition.id, { limit: HISTORY })).find(
    (issue) => issue.id !== issueId && ISSUE_STATES_THAT_WENT_OUT.includes(issue.state),
  );
  const cutoff = now.toISOString();
  const candidates = await listCandidates(stores.briefs, edition.id, cutoff, config.issueLimit);
  if (previous) {
    const fresh = selectBriefs({
      candidates,
      previousCutoff: previous.cutoff,
      cutoff,
      limit: config.issueLimit,
    });
    if (fresh.length > 0) {
      return {
        briefs: fresh.map(({ brief, updated }) => ({ ...brief, updated })),
        why: 'new since the last issue',
      };
    }
  }
  const latest = selectBriefs({ candidates, cutoff, limit: config.issueLimit });
  return {
    briefs: latest.map(({ brief }) => ({ ...brief, updated: false })),
    why: previous ? 'nothing new: the latest briefs' : 'first issue: the latest briefs',
  };
}

async function listCandidates(
  briefs: DynamoBriefStore,
  edition: string,
  until: string,
  limit: number,
): Promise<StoredBrief[]> {
  const out: StoredBrief[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_BRIEF_PAGES; page++) {
    const result = await briefs.listByEdition(edition, {
      until,
      limit: limit * 2,
      ...(cursor ? { cursor } : {}),
    });
    out.push(...result.items);
    cursor = result.cursor;
    // Newest first: a full page of usable briefs is enough for the latest; more pages only
    // matter for a selection since an older cutoff, which these candidates cover too.
    if (!cursor || out.length >= limit * 4) break;
  }
  return out;
}

/** A stand-in reader so the preview shows real-looking links; signed, but for no subscriber. */
function previewReader(
  config: TidingsConfig,
  edition: EditionConfig,
  keyring: ReturnType<typeof parseKeyring>,
): RecipientLinks {
  const email = `preview@${config.sender.domain}`;
  const links = readerLinks(keyring, {
    baseUrl: config.baseUrl,
    mailDomain: config.sender.domain,
    email,
    edition: edition.id,
  });
  return { ...links, email, name: 'Preview Reader' };
}

/** Full-page screenshots of each page at the desktop and the phone viewport, in one browser. */
async function screenshots(
  pages: { file: string; html: string }[],
  options: { offline: boolean },
): Promise<void> {
  const profile = await mkdtemp(join(tmpdir(), 'tidings-preview-'));
  try {
    const context = await launchChromium(profile);
    try {
      for (const { file, html } of pages) {
        for (const viewport of PREVIEW_VIEWPORTS) {
          const page = await context.newPage();
          if (options.offline) await page.route(/^(?!data:|about:)/, (route) => route.abort());
          await page.setViewportSize({ width: viewport.width, height: viewport.height });
          await page.emulateMedia({ colorScheme: viewport.colorScheme });
          await page.setContent(html, { waitUntil: 'domcontentloaded' });
          await page.waitForLoadState('load', { timeout: IMAGE_WAIT_MS }).catch(() => undefined);
          await page.screenshot({ path: `${file}-${viewport.suffix}.png`, fullPage: true });
          await page.close();
        }
      }
    } finally {
      await context.close();
    }
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}
