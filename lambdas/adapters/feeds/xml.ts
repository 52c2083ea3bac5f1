import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { TidingsError } from '../../core/errors.js';

/**
 * A small, safe XML reader for feeds, on fast-xml-parser. It refuses any DOCTYPE that declares
 * entities (the door to "billion laughs" and external-entity reads), expands nothing beyond the
 * XML built-ins, numeric references and HTML's named entities (feeds use `&nbsp;` without a DTD),
 * each decoded exactly once, and resolves namespaces and `xml:base` so that callers match
 * elements by namespace URI and get absolute links.
 */

export class FeedParseError extends TidingsError {
  override readonly name = 'FeedParseError';
  override readonly kind = 'invalid-input';
}

export interface XmlElement {
  /** Namespace URI ('' for none). */
  ns: string;
  /** Local name, without prefix. */
  local: string;
  /** Qualified name as written, e.g. `dc:creator`. */
  name: string;
  /** Attributes by qualified name as written. */
  attrs: Readonly<Record<string, string>>;
  children: XmlNode[];
  /** The `xml:base` in scope, resolved against the document URL; undefined when none applies. */
  base: string | undefined;
}
export type XmlNode = XmlElement | string;

export const XML_NS = {
  atom: 'http://www.w3.org/2005/Atom',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  rss1: 'http://purl.org/rss/1.0/',
  rss090: 'http://my.netscape.com/rdf/simple/0.9/',
  dc: 'http://purl.org/dc/elements/1.1/',
  dcterms: 'http://purl.org/dc/terms/',
  content: 'http://purl.org/rss/1.0/modules/content/',
  itunes: 'http://www.itunes.com/dtds/podcast-1.0.dtd',
  media: 'http://search.yahoo.com/mrss/',
  xhtml: 'http://www.w3.org/1999/xhtml',
} as const;

const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
const ATTR = '@_';

/**
 * fast-xml-parser configured for untrusted input; see the module comment. Entities the document
 * declares are refused before parsing, so the limits are a second fence: every reference that is
 * left (built-in, numeric, HTML) is at least as long as what it expands to, so neither the number
 * of expansions nor the expanded length can exceed the input's length.
 */
function safeParser(inputLength: number): XMLParser {
  return new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: ATTR,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    // Bounds the nesting (and so the recursion that builds elements); feeds need a few levels.
    maxNestedTags: 100,
    processEntities: {
      enabled: true,
      maxEntitySize: 1000,
      maxExpansionDepth: 1,
      maxTotalExpansions: Math.max(1, inputLength),
      maxExpandedLength: Math.max(1, inputLength),
      maxEntityCount: 1,
    },
    htmlEntities: true,
  });
}

type Raw = Record<string, unknown>;

function resolveBase(value: string, parent: string | undefined): string | undefined {
  try {
    return new URL(value, parent).href;
  } catch {
    return parent;
  }
}

function build(
  raw: Raw,
  scope: ReadonlyMap<string, string>,
  parentBase: string | undefined,
): XmlElement | undefined {
  const name = Object.keys(raw).find((key) => key !== ':@');
  if (!name || name.startsWith('#') || name.startsWith('?') || name.startsWith('!')) return undefined;
  const rawAttrs = (raw[':@'] ?? {}) as Record<string, unknown>;
  const attrs: Record<string, string> = {};
  let namespaces: Map<string, string> | undefined;
  for (const [key, value] of Object.entries(rawAttrs)) {
    const attr = key.startsWith(ATTR) ? key.slice(ATTR.length) : key;
    const text = typeof value === 'string' ? value : String(value);
    attrs[attr] = text;
    if (attr === 'xmlns' || attr.startsWith('xmlns:')) {
      namespaces ??= new Map(scope);
      namespaces.set(attr === 'xmlns' ? '' : attr.slice(6), text.trim());
    }
  }
  const inScope = namespaces ?? scope;
  const colon = name.indexOf(':');
  const prefix = colon > 0 ? name.slice(0, colon) : '';
  const local = colon > 0 ? name.slice(colon + 1) : name;
  const xmlBase = attrs['xml:base'];
  const base = xmlBase === undefined ? parentBase : resolveBase(xmlBase.trim(), parentBase);
  const element: XmlElement = {
    ns: prefix === 'xml' ? XML_NAMESPACE : (inScope.get(prefix) ?? ''),
    local,
    name,
    attrs,
    children: [],
    base,
  };
  const children = raw[name];
  if (Array.isArray(children)) {
    for (const child of children as Raw[]) {
      if (typeof child !== 'object' || child === null) continue;
      if ('#text' in child) {
        element.children.push(String(child['#text']));
        continue;
      }
      const built = build(child, inScope, base);
      if (built) element.children.push(built);
    }
  }
  return element;
}

/**
 * Why the document's DOCTYPE is refused, or undefined when it has none or a plain one (RSS 0.91
 * names a public DTD, which is never read). Only the prolog is looked at: a DOCTYPE quoted in an
 * item's CDATA is text.
 */
export function refusedDoctype(text: string): string | undefined {
  const root = /<[A-Za-z_]/.exec(text);
  const prolog = text.slice(0, root ? root.index : text.length);
  const doctype = /<!DOCTYPE/i.exec(prolog);
  if (!doctype) return undefined;
  const rest = prolog.slice(doctype.index);
  if (/<!ENTITY/i.test(rest)) {
    return 'the document declares entities in its DOCTYPE; entity declarations are refused (they allow entity-expansion and external-entity attacks)';
  }
  const subset = rest.indexOf('[');
  if (subset !== -1 && subset < rest.indexOf('>')) {
    return 'the document has an internal DTD subset in its DOCTYPE; feeds need none, and it is refused';
  }
  return undefined;
}

/**
 * Parses an XML document into elements. Whitespace before the XML declaration is tolerated
 * (several real feeds have it); anything else that is not well-formed throws
 * {@link FeedParseError} naming the line and column.
 */
export function parseXml(input: string, documentUrl?: string): XmlElement {
  const text = input.replace(/^[\s\uFEFF]+(?=<)/, '');
  const refused = refusedDoctype(text);
  if (refused) throw new FeedParseError(refused);
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: true });
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new FeedParseError(`not well-formed XML at line ${line}, column ${col}: ${msg}`);
  }
  let parsed: Raw[];
  try {
    parsed = safeParser(text.length).parse(text) as Raw[];
  } catch (error) {
    throw new FeedParseError(`cannot parse the XML: ${(error as Error).message}`, { cause: error });
  }
  const rootBase = documentUrl && URL.canParse(documentUrl) ? new URL(documentUrl).href : undefined;
  for (const node of parsed) {
    const root = build(node, new Map([['xml', XML_NAMESPACE]]), rootBase);
    if (root) return root;
  }
  throw new FeedParseError('the document has no root element');
}

// ---------------------------------------------------------------- navigation helpers

export function isElement(node: XmlNode): node is XmlElement {
  return typeof node !== 'string';
}

/** Child elements, optionally filtered by local name and namespace (a set of accepted URIs). */
export function childElements(
  element: XmlElement,
  local?: string,
  ns?: string | readonly string[],
): XmlElement[] {
  const accepted = ns === undefined ? undefined : typeof ns === 'string' ? [ns] : ns;
  return element.children.filter(
    (child): child is XmlElement =>
      isElement(child) &&
      (local === undefined || child.local === local) &&
      (accepted === undefined || accepted.includes(child.ns)),
  );
}

export function firstChild(
  element: XmlElement,
  local: string,
  ns?: string | readonly string[],
): XmlElement | undefined {
  return childElements(element, local, ns)[0];
}

/** All text inside an element, CDATA included, in document order. */
export function textOf(element: XmlElement | undefined): string {
  if (!element) return '';
  let out = '';
  for (const child of element.children) out += typeof child === 'string' ? child : textOf(child);
  return out;
}

/** Serialises an element's children back to markup (for Atom/XHTML content that is reduced to text later). */
export function innerXml(element: XmlElement): string {
  let out = '';
  for (const child of element.children) {
    if (typeof child === 'string') {
      out += child.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      continue;
    }
    const attrs = Object.entries(child.attrs)
      .map(([k, v]) => ` ${k}="${v.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`)
      .join('');
    out += `<${child.local}${attrs}>${innerXml(child)}</${child.local}>`;
  }
  return out;
}
