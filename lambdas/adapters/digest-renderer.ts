import { fileURLToPath } from 'node:url';
import { Liquid, type Template } from 'liquidjs';
import mjml2html from 'mjml';
import {
  buildDigestView,
  type DigestInput,
  type DigestView,
  digestText,
  fillSlots,
  publicationName,
  type RecipientLinks,
  type RenderedDigest,
  recipientSlotValues,
  SLOT_MARKERS,
  SLOT_NAMES,
  SLOT_PATTERN,
  type SlotValues,
} from '../core/digest.js';
import { TidingsError } from '../core/errors.js';

/** The project's `templates/` folder, found from this file (also when run from a bundle next to it). */
export const DEFAULT_TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/** MJML rejected the filled template, or the output lost a slot; the issue must not go out. */
export class DigestRenderError extends TidingsError {
  override readonly name = 'DigestRenderError';
  override readonly kind = 'internal';
}

/**
 * Renders digests: LiquidJS (every output escaped, brief text passed only as data) fills
 * `templates/digest.mjml`, then MJML compiles the result with strict validation. Templates are
 * parsed once per renderer; a renderer is reused for every issue a worker renders.
 */
export class DigestRenderer {
  private constructor(
    private readonly liquid: Liquid,
    private readonly template: Template[],
    private readonly warn: (message: string) => void,
  ) {}

  /**
   * Parses the templates once; partials are read and cached on first use. `warn` gets each thing
   * a render leaves out and why (an image that is not https on an https stage); default: stderr.
   */
  static async create(
    options: { templatesDir?: string; warn?: (message: string) => void } = {},
  ): Promise<DigestRenderer> {
    const root = options.templatesDir ?? DEFAULT_TEMPLATES_DIR;
    const liquid = new Liquid({
      root: [root],
      partials: [root],
      extname: '.mjml',
      cache: true,
      // Escapes every `{{ }}` output; nothing in the templates opts out with `| raw`.
      outputEscape: 'escape',
      strictFilters: true,
      // A misspelt variable fails the render; `if` on an absent optional field is still false.
      strictVariables: true,
      lenientIf: true,
      ownPropertyOnly: true,
      jsTruthy: false,
    });
    const template = await liquid.parseFile('digest');
    const renderer = new DigestRenderer(liquid, template, options.warn ?? ((m) => console.warn(m)));
    return renderer;
  }

  /**
   * Renders an issue once, with slot markers where each recipient's values go. Throws
   * {@link DigestRenderError} on any MJML error.
   */
  async render(input: DigestInput): Promise<RenderedDigest> {
    const view = buildDigestView(input);
    for (const note of view.notes) this.warn(`digest ${input.issueId}: ${note}`);
    const rendered = await this.renderView(view);
    const expected = this.slotsPresent(rendered.html);
    for (const name of SLOT_NAMES) {
      if (!expected.has(name)) throw new DigestRenderError(`the digest template lost the ${name} slot`);
    }
    const empty = Object.fromEntries(SLOT_NAMES.map((n) => [n, ''])) as SlotValues;
    return {
      ...rendered,
      htmlBytes: Buffer.byteLength(fillSlots(rendered.html, empty, 'text')),
      publication: view.publication,
      ...(view.notes.length > 0 ? { notes: view.notes } : {}),
    };
  }

  /**
   * A full render for one recipient: their values go through Liquid and MJML like any other
   * data. The send path never does this (it splices into {@link render}'s output); it is the
   * reference that splicing must match, in tests and the benchmark.
   */
  async renderFor(input: DigestInput, recipient: RecipientLinks): Promise<RenderedDigest> {
    const publication = publicationName(input.config, input.edition);
    const view = buildDigestView(input, recipientSlotValues(publication, recipient));
    const rendered = await this.renderView(view);
    return { ...rendered, htmlBytes: Buffer.byteLength(rendered.html), publication };
  }

  private async renderView(view: DigestView): Promise<Omit<RenderedDigest, 'htmlBytes'>> {
    const source: string = await this.liquid.render(this.template, view);
    const html = await compileMjml(source, 'digest.mjml');
    return { subject: view.subject, preheader: view.preheader, html, text: digestText(view) };
  }

  private slotsPresent(html: string): Set<string> {
    const found = new Set<string>();
    for (const match of html.matchAll(SLOT_PATTERN)) {
      const slot = SLOT_NAMES.find((name) => SLOT_MARKERS[name] === match[0]);
      if (slot) found.add(slot);
    }
    return found;
  }
}

/** Compiles MJML with strict validation; any error fails with every message MJML gave. */
export async function compileMjml(source: string, fileName: string): Promise<string> {
  let result: Awaited<ReturnType<typeof mjml2html>>;
  try {
    result = await mjml2html(source, { validationLevel: 'strict', keepComments: false });
  } catch (cause) {
    throw new DigestRenderError(`MJML rejected ${fileName}: ${describe(cause)}`, { cause });
  }
  if (result.errors.length > 0) {
    const messages = result.errors.map((e) => e.formattedMessage ?? e.message).join('; ');
    throw new DigestRenderError(`MJML rejected ${fileName}: ${messages}`);
  }
  return compactStyles(trimIndentation(result.html));
}

/**
 * Drops the indentation MJML writes before every line: about a tenth of a digest's bytes, and
 * whitespace at a line start never changes how HTML renders (no `pre` in these templates).
 */
function trimIndentation(html: string): string {
  return html.replace(/\n[ \t]+/g, '\n').replace(/\n{2,}/g, '\n');
}

/**
 * Drops the spaces around `{`, `}`, `;`, `:` and `,` inside `<style>` blocks, and comments there:
 * the same rules in fewer bytes (the 12-brief digest must stay within 60 KB without dropping
 * content). A descendant combinator's space is kept.
 */
function compactStyles(html: string): string {
  return html.replace(
    /(<style[^>]*>)([\s\S]*?)(<\/style>)/g,
    (_match, open: string, css: string, close: string) => {
      const compact = css
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\s*([{};:,])\s*/g, '$1')
        .replace(/;}/g, '}')
        .trim();
      return `${open}${compact}${close}`;
    },
  );
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'errors' in error && Array.isArray(error.errors)) {
    return error.errors
      .map((e: { formattedMessage?: string; message?: string }) => e.formattedMessage ?? e.message)
      .join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}
