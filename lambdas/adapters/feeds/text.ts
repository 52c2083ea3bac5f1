import { Parser } from 'htmlparser2';
import { cleanParagraph, cleanSingleLine, stripInvisible } from '../../core/text-rules.js';

/**
 * Feed HTML reduced to safe plain text: paragraphs of words, nothing else. Scripts, styles and
 * other non-text elements are dropped with their content; block elements and `<br>` end a
 * paragraph; entities are decoded once; control characters go (the rules of core/text-rules.ts).
 * Brief text is data and is rendered escaped, so this is about readability and size as much as
 * safety.
 */

/** Elements whose content is never reader-visible text. */
const DROPPED = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'iframe',
  'object',
  'embed',
  'svg',
  'math',
  'head',
  'title',
  'select',
  'textarea',
  'button',
  'form',
]);

/** Elements that separate paragraphs. */
const BLOCKS = new Set([
  'p',
  'div',
  'br',
  'li',
  'ul',
  'ol',
  'dl',
  'dt',
  'dd',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'pre',
  'table',
  'tr',
  'section',
  'article',
  'aside',
  'header',
  'footer',
  'figure',
  'figcaption',
  'hr',
  'main',
  'nav',
  'address',
]);

/**
 * A title: the single-line rule of text-rules.ts (control characters, line breaks and bidi
 * controls go, since a headline reaches the Subject), invisible characters removed too.
 */
export function cleanLine(text: string): string {
  return cleanSingleLine(stripInvisible(text));
}

/** A paragraph: the multi-line rule of text-rules.ts, invisible characters removed, one line. */
function cleanFeedParagraph(text: string): string {
  return cleanParagraph(stripInvisible(text));
}

/** Plain text split at blank lines into cleaned paragraphs. */
export function textToParagraphs(text: string): string[] {
  return text
    .split(/\r?\n\s*\r?\n|\r\s*\r/)
    .map(cleanFeedParagraph)
    .filter((p) => p !== '');
}

/** HTML to cleaned paragraphs (see the module comment). */
export function htmlToParagraphs(html: string): string[] {
  const paragraphs: string[] = [];
  let current = '';
  let dropDepth = 0;
  const flush = (): void => {
    const text = cleanFeedParagraph(current);
    if (text) paragraphs.push(text);
    current = '';
  };
  const parser = new Parser(
    {
      onopentagname(name) {
        if (DROPPED.has(name)) dropDepth++;
        else if (dropDepth === 0 && BLOCKS.has(name)) flush();
      },
      ontext(text) {
        if (dropDepth === 0) current += text;
      },
      onclosetag(name, isImplied) {
        if (DROPPED.has(name)) {
          // A void or self-closed dropped element never opened a depth level of its own content.
          dropDepth = Math.max(0, dropDepth - 1);
        } else if (dropDepth === 0 && BLOCKS.has(name) && !isImplied) flush();
      },
    },
    { decodeEntities: true, lowerCaseTags: true, recognizeSelfClosing: true },
  );
  parser.write(html);
  parser.end();
  flush();
  return paragraphs;
}

/** A one-line text from HTML (for titles marked as HTML). */
export function htmlToLine(html: string): string {
  return cleanLine(htmlToParagraphs(html).join(' '));
}

/**
 * Shortens text to at most `max` characters at a word boundary, ending with an ellipsis.
 * Text already short enough is returned unchanged.
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
