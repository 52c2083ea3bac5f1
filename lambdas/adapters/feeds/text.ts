import { Parser } from 'htmlparser2';

/**
 * Feed HTML reduced to safe plain text: paragraphs of words, nothing else. Scripts, styles and
 * other non-text elements are dropped with their content; block elements and `<br>` end a
 * paragraph; entities are decoded once; control characters go. Brief text is data and is
 * rendered escaped, so this is about readability and size as much as safety.
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

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b\u2028\u2029\ufeff\ufffe\uffff]/g;

/** One line of text: control and invisible separator characters removed, whitespace collapsed. */
export function cleanLine(paragraph: string): string {
  return paragraph.replace(CONTROL, '').replace(/\s+/g, ' ').trim();
}

/** Plain text split at blank lines into cleaned paragraphs. */
export function textToParagraphs(text: string): string[] {
  return text
    .split(/\r?\n\s*\r?\n|\r\s*\r/)
    .map(cleanLine)
    .filter((p) => p !== '');
}

/** HTML to cleaned paragraphs (see the module comment). */
export function htmlToParagraphs(html: string): string[] {
  const paragraphs: string[] = [];
  let current = '';
  let dropDepth = 0;
  const flush = (): void => {
    const text = cleanLine(current);
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
  return htmlToParagraphs(html).join(' ');
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
