import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DigestRenderError,
  type DigestTemplates,
  TRIM_END,
  TRIM_START,
} from '../lambdas/adapters/digest-renderer.js';
import { compileMjml } from './compile-mjml.js';
import { fillModule } from './liquid-to-js.js';
import { runAsScript } from './run-as-script.js';

/**
 * Compiles the templates so that no function needs MJML at run time:
 * - the confirmation and welcome emails, sent by the API function: `templates/compiled/confirmation.html`
 *   and `welcome.html` (for review, behind a comment that keeps the linter off generated markup) and
 *   `confirmation.ts` / `welcome.ts` (the same HTML as modules the function bundle imports);
 * - the digest, rendered by compose, preview and the local stack: `templates/compiled/digest.html`
 *   (for review) and `templates/compiled/digest.ts`, HTML whose data parts are LiquidJS tags (see
 *   {@link compileDigest}), and `templates/compiled/digest-fill.ts`, those tags compiled to one
 *   JavaScript function that fills them at compose time (scripts/liquid-to-js.ts).
 * Strict MJML validation fails the build. A test fails when the committed files are stale: run
 * `npm run build:templates`.
 */

/** The project's `templates/` folder. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../templates/', import.meta.url));

export interface CompiledTemplates {
  /** Path relative to the project root → content. */
  files: Record<string, string>;
}

const LIQUID_TAG = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;
const INCLUDE = /\{%-?\s*include\s+'([^']+)'\s*(,[^%]*)?-?%\}/g;
const TOKEN = /TIDINGSLIQUID(\d+)X/g;

/**
 * Compiles `digest.mjml` (and its partials) from `templatesDir` into LiquidJS templates of HTML.
 *
 * Technique: placeholder tokens. Every Liquid tag is swapped for a token of plain letters and
 * digits (`TIDINGSLIQUID7X`), which MJML copies through untouched wherever text may stand; after
 * the compile each token is turned back into its tag. A tag that must stand between MJML
 * components (a loop repeating `mj-text` blocks) is marked in the template with `mj-raw`, whose
 * content MJML emits in place. Partials that hold MJML components are inlined before the compile
 * (they may take no parameters); the others (HTML inside `mj-text`, which MJML leaves as written)
 * stay LiquidJS includes, copied as they are. Any token MJML dropped fails the build, naming its
 * tag. Where a component's content starts or ends with a tag, markers (HTML comments, which escaped
 * data cannot forge) let the renderer trim it once filled, as MJML trims what it compiles.
 */
export async function compileDigest(templatesDir: string = TEMPLATES_DIR): Promise<DigestTemplates> {
  const read = (name: string): Promise<string> => readFile(join(templatesDir, `${name}.mjml`), 'utf8');
  const kept = new Map<string, string>();
  const inline = async (source: string, from: string): Promise<string> => {
    let out = '';
    let last = 0;
    for (const match of source.matchAll(INCLUDE)) {
      const name = match[1] ?? '';
      const partial = await read(name);
      out += source.slice(last, match.index);
      if (/<mj-/.test(partial)) {
        if (match[2]) {
          throw new DigestRenderError(
            `${from}: ${name} holds MJML components, so it is inlined when built and cannot take parameters (${match[0]})`,
          );
        }
        out += await inline(partial, name);
      } else {
        out += match[0];
        if (!kept.has(name)) kept.set(name, await inline(partial, name));
      }
      last = (match.index ?? 0) + match[0].length;
    }
    return out + source.slice(last);
  };
  const source = await inline(await read('digest'), 'digest');
  const tags: string[] = [];
  const tokenized = source.replace(LIQUID_TAG, (tag) => `TIDINGSLIQUID${tags.push(tag) - 1}X`);
  if (tokenized.replace(TOKEN, '').includes('TIDINGSLIQUID')) {
    throw new DigestRenderError('digest.mjml: the text TIDINGSLIQUID is reserved for the build');
  }
  // MJML trims the content of a component (`mj-text`, `mj-title`…): where that content starts or
  // ends with a Liquid tag, the trim must wait for the data, so a marker tells the renderer where.
  const marked = tokenized
    .replace(/(<mj-[a-z-]+(?:\s[^>]*)?>)(\s*)(?=TIDINGSLIQUID\d+X)/g, '$1$2TIDINGSTRIMSTARTX')
    .replace(/(TIDINGSLIQUID\d+X)(?=\s*<\/mj-[a-z-]+>)/g, '$1TIDINGSTRIMENDX');
  const html = await compileMjml(marked, 'digest.mjml');
  const seen = new Set<number>();
  const compiled = html
    .replaceAll('TIDINGSTRIMSTARTX', TRIM_START)
    .replaceAll('TIDINGSTRIMENDX', TRIM_END)
    .replace(TOKEN, (_token, index: string) => {
      seen.add(Number(index));
      return tags[Number(index)] ?? '';
    });
  const lost = tags.filter((_tag, index) => !seen.has(index));
  if (lost.length > 0) {
    throw new DigestRenderError(
      `digest.mjml: MJML dropped ${lost.join(', ')}; a Liquid tag between MJML components must be wrapped in <mj-raw>`,
    );
  }
  return { digest: `${compiled.trim()}\n`, ...Object.fromEntries(kept) };
}

/**
 * An email compiled whole at build time (no Liquid: its `%%TIDINGS_…%%` markers are filled by its
 * adapter): the HTML for review, behind a comment that keeps the linter off generated markup, and
 * the same HTML as a module the function bundle imports.
 */
async function compileEmail(
  templatesDir: string,
  name: string,
  constName: string,
): Promise<Record<string, string>> {
  const source = await readFile(join(templatesDir, `${name}.mjml`), 'utf8');
  const html = `${(await compileMjml(source, `${name}.mjml`)).trim()}\n`;
  const module = [
    `// Generated by scripts/build-templates.ts from templates/${name}.mjml; do not edit.`,
    '// biome-ignore format: generated',
    `export const ${constName}: string = ${JSON.stringify(html)};`,
    '',
  ].join('\n');
  return {
    // Biome lints HTML and the CSS in it; MJML's output is not ours to restyle.
    [`templates/compiled/${name}.html`]: `<!-- biome-ignore-all lint: generated by scripts/build-templates.ts from templates/${name}.mjml -->\n${html}`,
    [`templates/compiled/${name}.ts`]: module,
  };
}

/** Compiles every build-time template; pure apart from reading the sources. */
export async function buildTemplates(templatesDir: string = TEMPLATES_DIR): Promise<CompiledTemplates> {
  const digest = await compileDigest(templatesDir);
  const digestModule = [
    '// Generated by scripts/build-templates.ts from templates/digest.mjml and templates/partials/;',
    '// do not edit. LiquidJS templates by name: `digest` (MJML compiled) and the partials it includes.',
    '// biome-ignore format: generated',
    `export const DIGEST_TEMPLATES: Readonly<Record<string, string>> = ${JSON.stringify(digest, null, 1)};`,
    '',
  ].join('\n');
  return {
    files: {
      ...(await compileEmail(templatesDir, 'confirmation', 'CONFIRMATION_HTML')),
      'templates/compiled/digest.html': `<!-- biome-ignore-all lint: generated by scripts/build-templates.ts from templates/digest.mjml; its data parts are LiquidJS tags -->\n${digest.digest}`,
      'templates/compiled/digest.ts': digestModule,
      'templates/compiled/digest-fill.ts': fillModule(digest),
      ...(await compileEmail(templatesDir, 'welcome', 'WELCOME_HTML')),
    },
  };
}

async function main(): Promise<void> {
  const { files } = await buildTemplates();
  for (const [path, content] of Object.entries(files)) {
    await writeFile(fileURLToPath(new URL(`../${path}`, import.meta.url)), content);
    console.log(`wrote ${path} (${Buffer.byteLength(content)} bytes)`);
  }
}

runAsScript(import.meta.url, main);
