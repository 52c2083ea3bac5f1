import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import {
  DIGEST_LIQUID_OPTIONS,
  DigestRenderError,
  DigestRenderer,
} from '../../lambdas/adapters/digest-renderer.js';
import {
  buildDigestView,
  type DigestInput,
  fillSlots,
  publicationName,
  recipientSlotValues,
  type SlotValues,
  testCopySlotValues,
} from '../../lambdas/core/digest.js';
import { buildTemplates, compileDigest, TEMPLATES_DIR } from '../../scripts/build-templates.js';
import { compileMjml } from '../../scripts/compile-mjml.js';
import { compileFill } from '../../scripts/liquid-to-js.js';
import { DIGEST_TEMPLATES } from '../../templates/compiled/digest.js';
import { digestBrief, digestConfig, digestInput, recipient } from '../support/digest-fixture.js';

/**
 * What the renderer did before the digest was compiled at build time: LiquidJS fills
 * `templates/digest.mjml` with the data, then MJML compiles the result (strict validation).
 */
async function runTimeCompile(input: DigestInput, slots?: SlotValues, dir = TEMPLATES_DIR): Promise<string> {
  const liquid = new Liquid({ ...DIGEST_LIQUID_OPTIONS, root: [dir], partials: [dir], extname: '.mjml' });
  const source: string = await liquid.renderFile('digest', buildDigestView(input, slots));
  return compileMjml(source, 'digest.mjml');
}

const ONE_BRIEF = digestBrief({
  id: 'solo',
  headline: 'One brief & a "quoted" <word>',
  dek: 'Its dek',
  topic: 'health',
  region: 'Ward 1',
  editions: ['dc'],
  publishedAt: '2026-11-30T01:00:00Z',
  updatedAt: '2026-11-30T01:00:00Z',
  url: 'https://news.example/solo?a=1&b=2',
  image: { url: 'https://images.example/a.jpg', alt: 'A clinic', credit: 'Photo: someone' },
  news: ['One paragraph.\n\n   An indented second one after a blank line.'],
  signals: [{ headline: 'A signal', body: 'Its body', sources: [{ name: 'Only source' }] }],
});

const HTTPS = { ...digestConfig(), baseUrl: 'https://news.example' };
const { wordmark: _, ...NO_WORDMARK } = digestConfig();

const VARIANTS: [string, DigestInput][] = [
  ['the twelve-brief fixture', digestInput()],
  ['a one-brief issue', digestInput([ONE_BRIEF])],
  ['an https stage (plain http images left out)', digestInput(undefined, HTTPS)],
  ['a publication without a wordmark', digestInput([ONE_BRIEF], NO_WORDMARK)],
  [
    'a weekly roundup',
    { ...digestInput(), kind: 'roundup', issueId: 'dc-2026-W49', localDate: '2026-12-05' },
  ],
];

describe('the digest compiled when the functions are built', () => {
  it('is not stale: compiling the templates now gives the committed files', async () => {
    const { files } = await buildTemplates();
    for (const path of [
      'templates/compiled/digest.ts',
      'templates/compiled/digest.html',
      'templates/compiled/digest-fill.ts',
    ]) {
      const committed = await readFile(new URL(`../../${path}`, import.meta.url), 'utf8');
      expect(committed, `${path} is stale: run npm run build:templates`).toBe(files[path]);
    }
    expect(await compileDigest()).toEqual(DIGEST_TEMPLATES);
  });

  const renderer = DigestRenderer.create({ warn: () => {} });

  it.each(VARIANTS)(
    'renders %s byte for byte as a run-time MJML compile of the same templates and data',
    async (_name, input) => {
      const digest = await (await renderer).render(input);
      expect(digest.html).toBe(await runTimeCompile(input));
    },
  );

  it.each(VARIANTS)('renders %s for one reader byte for byte as a run-time compile', async (_name, input) => {
    const reader = recipient('ana@example.com', 'Ana <b>Lima</b> & co');
    const slots = recipientSlotValues(publicationName(input.config, input.edition), reader);
    const { html } = await (await renderer).renderFor(input, reader);
    expect(html).toBe(await runTimeCompile(input, slots));
  });

  it('gives a test copy (slots spliced in) byte for byte as a run-time compile', async () => {
    const input = digestInput();
    const digest = await (await renderer).render(input);
    const slots = testCopySlotValues(digest.publication ?? '', recipient('editor@example.com', 'Ed'));
    expect(fillSlots(digest.html, slots, 'html')).toBe(await runTimeCompile(input, slots));
  });

  it('keeps no MJML in the compiled template, and neither MJML nor LiquidJS in the renderer', async () => {
    expect(DIGEST_TEMPLATES.digest).not.toMatch(/<\/?mj-/);
    for (const file of ['lambdas/adapters/digest-renderer.ts', 'templates/compiled/digest-fill.ts']) {
      const source = await readFile(new URL(`../../${file}`, import.meta.url), 'utf8');
      expect(source).not.toMatch(/from ['"]mjml|compile-mjml/);
      expect(source).not.toMatch(/^import (?!type)[^;]*from ['"]liquidjs/m);
    }
  });

  describe('the build', () => {
    async function withTemplates(
      edit: (digest: string) => string,
      run: (dir: string) => Promise<void>,
    ): Promise<void> {
      const dir = await mkdtemp(join(tmpdir(), 'tidings-templates-'));
      try {
        await mkdir(join(dir, 'partials'));
        for (const file of await readdir(join(TEMPLATES_DIR, 'partials'))) {
          await writeFile(join(dir, 'partials', file), await readFile(join(TEMPLATES_DIR, 'partials', file)));
        }
        await writeFile(
          join(dir, 'digest.mjml'),
          edit(await readFile(join(TEMPLATES_DIR, 'digest.mjml'), 'utf8')),
        );
        await run(dir);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }

    it('fails when MJML finds an error, under strict validation', async () => {
      await withTemplates(
        (digest) => digest.replace('<mj-column>', '<mj-column bogus-attribute="1">'),
        async (dir) => {
          await expect(compileDigest(dir)).rejects.toThrow(DigestRenderError);
          await expect(compileDigest(dir)).rejects.toThrow(/MJML rejected digest\.mjml.*bogus-attribute/);
        },
      );
    });

    it('fails, naming the tag, when a Liquid tag between MJML components is not in mj-raw', async () => {
      await withTemplates(
        (digest) =>
          digest.replace('<mj-raw>{% for section in sections %}</mj-raw>', '{% for section in sections %}'),
        async (dir) => {
          await expect(compileDigest(dir)).rejects.toThrow(
            /MJML dropped \{% for section in sections %\}; a Liquid tag between MJML components must be wrapped in <mj-raw>/,
          );
        },
      );
    });

    it('gives a template whose misspelt variable fails the render', async () => {
      await withTemplates(
        (digest) => digest.replace('{{ preheader }}', '{{ preheadr }}'),
        async (dir) => {
          const broken = await DigestRenderer.create({ fill: compileFill(await compileDigest(dir)) });
          await expect(broken.render(digestInput())).rejects.toThrow(/preheadr/);
        },
      );
    });
  });
});
