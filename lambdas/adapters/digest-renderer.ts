import type { LiquidOptions } from 'liquidjs';
import { fillDigest } from '../../templates/compiled/digest-fill.js';
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
import type { DigestFill } from './digest-fill.js';

/** MJML rejected a template, or the output lost a slot; the issue must not go out. */
export class DigestRenderError extends TidingsError {
  override readonly name = 'DigestRenderError';
  override readonly kind = 'internal';
}

/** A compiled digest: LiquidJS templates by name (`digest`, and the partials it includes). */
export type DigestTemplates = Readonly<Record<string, string>>;

/**
 * How LiquidJS fills the digest (the reference the compiled fill function is tested against, and
 * what `scripts/liquid-to-js.ts` reproduces): every `{{ }}` output escaped (nothing in the
 * templates opts out with `| raw`), brief text passed only as data, a misspelt variable failing
 * the render (`if` on an absent optional field is still false).
 */
export const DIGEST_LIQUID_OPTIONS = {
  outputEscape: 'escape',
  strictFilters: true,
  strictVariables: true,
  lenientIf: true,
  ownPropertyOnly: true,
  jsTruthy: false,
} as const satisfies LiquidOptions;

/**
 * Renders digests from the template compiled when the functions were built: MJML turned
 * `templates/digest.mjml` into HTML whose data parts are LiquidJS tags (`templates/compiled/digest.ts`),
 * and those tags were compiled to one JavaScript function (`templates/compiled/digest-fill.ts`),
 * so a render is that function alone: no MJML, no template parsed at run time.
 */
export class DigestRenderer {
  private constructor(
    private readonly fill: DigestFill,
    private readonly warn: (message: string) => void,
  ) {}

  /**
   * A renderer of the committed compiled digest (or of `fill`, a digest compiled from other
   * templates by `compileFill`). `warn` gets each thing a render leaves out and why (an image that
   * is not https on an https stage); default: stderr.
   */
  static async create(
    options: { fill?: DigestFill; warn?: (message: string) => void } = {},
  ): Promise<DigestRenderer> {
    return new DigestRenderer(options.fill ?? fillDigest, options.warn ?? ((m) => console.warn(m)));
  }

  /**
   * Renders an issue once, with slot markers where each recipient's values go. Throws
   * {@link DigestRenderError} when the output lost a slot.
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
   * A full render for one recipient: their values go through Liquid like any other data. The
   * send path never does this (it splices into {@link render}'s output); it is the reference that
   * splicing must match, in tests and the benchmark.
   */
  async renderFor(input: DigestInput, recipient: RecipientLinks): Promise<RenderedDigest> {
    const publication = publicationName(input.config, input.edition);
    const view = buildDigestView(input, recipientSlotValues(publication, recipient));
    const rendered = await this.renderView(view);
    return { ...rendered, htmlBytes: Buffer.byteLength(rendered.html), publication };
  }

  private async renderView(view: DigestView): Promise<Omit<RenderedDigest, 'htmlBytes'>> {
    const filled = this.fill(view);
    const html = finish(filled);
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

/**
 * The byte-saving passes over MJML's output: at build time on the compiled template, and again
 * once the data is in, so that a compose-time render equals MJML compiling the filled template
 * (data with a line break and indentation is trimmed as it would have been).
 */
export function compactHtml(html: string): string {
  return compactStyles(trimIndentation(html));
}

/**
 * Marks, in a compiled template, where a component's content starts and ends next to a Liquid
 * tag: MJML trims such content, so the renderer trims it once the data is in (escaped data never
 * holds `<`, so it cannot forge a marker).
 */
export const TRIM_START = '<!--tidings:trim-start-->';
export const TRIM_END = '<!--tidings:trim-end-->';
const TRIMMED = /<!--tidings:trim-start-->\s*|\s*<!--tidings:trim-end-->/g;

/** What MJML would have done to the filled template: its trims, then the byte-saving passes. */
function finish(html: string): string {
  return compactHtml(html.replace(TRIMMED, ''));
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
