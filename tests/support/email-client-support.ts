import { doIUseEmail } from '@jsx-email/doiuse-email';
import { parseHTML } from 'linkedom';
import { compileMjml } from '../../scripts/compile-mjml.js';

/**
 * The mail-client support gate: caniemail's data (through `@jsx-email/doiuse-email`) on an
 * email's HTML, for the clients most readers use, minus what a stock MJML document already
 * triggers (MJML's own Outlook and Gmail workarounds are not ours to fix).
 *
 * The library's client list has no entry for Outlook.com (caniemail's `outlook.outlook-com`);
 * Outlook on Windows, Windows Mail and the Outlook apps on macOS, iOS and Android are checked.
 */
export const CHECKED_CLIENTS = ['gmail.*', 'outlook.*', 'apple-mail.*', 'yahoo.*'] as const;

/**
 * Progressive enhancements: features some checked clients ignore, used on purpose because the
 * email reads correctly without them (each has a test showing so).
 */
export const ALLOWED_FEATURES: Readonly<Record<string, string>> = {
  // "In this issue" links jump to each brief; where a client ignores them, the list still names
  // every headline in reading order and the reader scrolls.
  'Local anchors': 'in-message links of "In this issue"',
  // `[data-ogsc]` / `[data-ogsb]` rules set Outlook.com's and the Outlook apps' dark palette;
  // elsewhere they match nothing and the light (or prefers-color-scheme) palette applies.
  'Attribute selector': 'Outlook dark-mode rules',
};

export interface SupportProblem {
  /** caniemail's feature title, e.g. "overflow-wrap" or "Local anchors". */
  feature: string;
  /** The clients that lack it, e.g. ["gmail.ios", "yahoo.android"]. */
  clients: string[];
  /** Where it is used: the first elements or style rules that carry it. */
  where: string[];
}

/** The support errors caniemail reports for `html`, as "feature → clients". */
function problemsByFeature(html: string): Map<string, Set<string>> {
  const result = doIUseEmail(html, { emailClients: [...CHECKED_CLIENTS] });
  const byFeature = new Map<string, Set<string>>();
  for (const error of result.success ? [] : result.errors) {
    const match = /^`(.+)` is not supported by `([^`]+)`/.exec(error);
    if (!match?.[1] || !match[2]) continue;
    const clients = byFeature.get(match[1]) ?? new Set<string>();
    clients.add(match[2]);
    byFeature.set(match[1], clients);
  }
  return byFeature;
}

/** A stock MJML document using what Tidings' templates use: head parts, sections, text, button, image. */
const STOCK_MJML = `<mjml lang="en"><mj-head><mj-title>Title</mj-title><mj-preview>Preview</mj-preview>
<mj-attributes><mj-all font-family="Georgia, serif" /></mj-attributes><mj-style>p { margin: 0; }</mj-style></mj-head>
<mj-body background-color="#f3f0e8" width="600px"><mj-section background-color="#ffffff" border-top="6px solid #0f5b66">
<mj-column><mj-text color="#1d1d1b"><p>Text <a href="https://example.com/">a link</a></p></mj-text>
<mj-button href="https://example.com/">Button</mj-button><mj-image src="https://example.com/a.png" alt="An image" width="552px" />
</mj-column></mj-section></mj-body></mjml>`;

let baseline: Promise<Map<string, Set<string>>> | undefined;

/** What a stock MJML document already triggers, computed once per test file. */
export function stockMjmlBaseline(): Promise<Map<string, Set<string>>> {
  baseline ??= compileMjml(STOCK_MJML, 'stock.mjml').then(problemsByFeature);
  return baseline;
}

/** Up to three places a feature is used: elements whose style has it, style rules, or elements. */
function whereUsed(html: string, feature: string): string[] {
  const { document } = parseHTML(html);
  const found: string[] = [];
  const describe = (el: Element): string => {
    const attrs = ['id', 'class', 'href', 'style']
      .map((name) => (el.getAttribute(name) ? ` ${name}="${el.getAttribute(name)?.slice(0, 60)}"` : ''))
      .join('');
    return `<${el.tagName.toLowerCase()}${attrs}>`;
  };
  const property = feature.replace(/^@/, '');
  for (const el of document.querySelectorAll('[style]')) {
    if (new RegExp(`(^|;|\\s)${property}\\s*:`, 'i').test(el.getAttribute('style') ?? ''))
      found.push(describe(el));
  }
  for (const style of document.querySelectorAll('style')) {
    for (const rule of (style.textContent ?? '').split('}')) {
      const bare = rule.trim();
      const isAttributeRule = feature === 'Attribute selector' && /\[[^\]]+\]/.test(bare);
      if (isAttributeRule || (bare.toLowerCase().includes(property.toLowerCase()) && property.length > 2)) {
        found.push(`<style> ${bare.replace(/\s+/g, ' ').slice(0, 100)} }`);
      }
    }
  }
  if (feature === 'Local anchors') {
    for (const a of document.querySelectorAll('a[href^="#"]')) found.push(describe(a));
  }
  const element = /^<(\w+)> element$/.exec(feature)?.[1];
  if (element) for (const el of document.querySelectorAll(element)) found.push(describe(el));
  return found.length > 0 ? found.slice(0, 3) : ['(not located in the markup)'];
}

/**
 * Support problems of `html` beyond the stock MJML baseline, leaving out the allowed
 * progressive enhancements unless `strict`.
 */
export async function clientSupportProblems(
  html: string,
  options: { strict?: boolean } = {},
): Promise<SupportProblem[]> {
  const stock = await stockMjmlBaseline();
  const problems: SupportProblem[] = [];
  for (const [feature, clients] of problemsByFeature(html)) {
    if (!options.strict && feature in ALLOWED_FEATURES) continue;
    const extra = [...clients].filter((client) => !stock.get(feature)?.has(client)).sort();
    if (extra.length > 0) problems.push({ feature, clients: extra, where: whereUsed(html, feature) });
  }
  return problems;
}

/** One line per problem, naming the feature, the clients and the offending element. */
export function describeProblems(problems: readonly SupportProblem[]): string[] {
  return problems.map(
    (p) => `${p.feature} (unsupported in ${p.clients.join(', ')}) used by ${p.where.join('; ')}`,
  );
}
