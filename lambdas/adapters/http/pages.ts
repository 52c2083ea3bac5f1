import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Liquid } from 'liquidjs';
import type { TidingsConfig } from '../../core/config.js';

/** The reader pages of `templates/pages/`, one Liquid file each. */
export type PageName =
  | 'subscribe'
  | 'check-inbox'
  | 'confirm'
  | 'confirmed'
  | 'link-problem'
  | 'unsubscribe'
  | 'unsubscribed'
  | 'preferences'
  | 'issues'
  | 'error';

/** `templates/pages` of the checkout; in a Lambda bundle, `$TEMPLATES_DIR/pages`. */
export function defaultPagesDir(env: Record<string, string | undefined> = {}): string {
  if (env.TEMPLATES_DIR) return join(env.TEMPLATES_DIR, 'pages');
  return fileURLToPath(new URL('../../../templates/pages/', import.meta.url));
}

/**
 * Renders the reader pages with LiquidJS. Output is escaped by default (`outputEscape`), so every
 * value a reader or the configuration supplies is text, never markup; templates are parsed once
 * and cached. Edition names come from the configuration. LiquidJS is loaded on the first page
 * rendered: the API's JSON requests (a subscription from a form script) never start it.
 */
export class PageRenderer {
  private liquid?: Promise<Liquid>;
  private readonly dir: string;
  private readonly site: Record<string, unknown>;
  /** The stylesheet, served at `/assets/pages.css` (read once: it is small and never changes while running). */
  readonly stylesheet: string;
  /**
   * The one script, served at `/assets/time-zone.js`: it fills the subscribe form's hidden
   * `timeZone` field. Pages link it with its content hash, so it can be cached for a year.
   */
  readonly timeZoneScript: string;
  readonly timeZoneScriptVersion: string;

  constructor(config: TidingsConfig, dir: string = defaultPagesDir()) {
    this.dir = dir;
    this.timeZoneScript = readFileSync(join(dir, 'time-zone.js'), 'utf8');
    this.timeZoneScriptVersion = createHash('sha256').update(this.timeZoneScript).digest('hex').slice(0, 12);
    this.site = {
      timeZoneScript: `/assets/time-zone.js?v=${this.timeZoneScriptVersion}`,
      name: config.sender.name,
      postalAddress: config.postalAddress,
      editions: config.editions.map((e) => ({ id: e.id, name: e.name, description: e.description ?? null })),
    };
    this.stylesheet = readFileSync(join(dir, 'pages.css'), 'utf8');
  }

  /** Renders a page; `message` and `error` are shown as sentences (first letter capitalised). */
  async render(page: PageName, data: Record<string, unknown>): Promise<string> {
    for (const key of ['message', 'error']) {
      const value = data[key];
      if (typeof value === 'string' && value)
        data = { ...data, [key]: value[0]?.toUpperCase() + value.slice(1) };
    }
    this.liquid ??= this.load();
    const liquid = await this.liquid;
    return (await liquid.renderFile(page, { ...data, site: this.site })) as string;
  }

  private async load(): Promise<Liquid> {
    const { Liquid } = await import('liquidjs');
    return new Liquid({
      root: [this.dir],
      layouts: [this.dir],
      extname: '.liquid',
      outputEscape: 'escape',
      cache: true,
      ownPropertyOnly: true,
      strictFilters: true,
    });
  }
}
