import { parseHTML } from 'linkedom';

/** The 12-brief digest's HTML budget with a reader's values in: 60 KB, well under Gmail's ~102 KB clip. */
export const DIGEST_HTML_LIMIT = 60 * 1024;

/**
 * Undefined when `html` is within `limit` bytes; otherwise a message with the size and the largest
 * blocks of content (the elements inside MJML's text cells, and the head's styles), so the
 * offender is named.
 */
export function sizeProblem(html: string, limit = DIGEST_HTML_LIMIT): string | undefined {
  const bytes = Buffer.byteLength(html);
  if (bytes <= limit) return undefined;
  const { document } = parseHTML(html);
  const blocks: { bytes: number; label: string }[] = [];
  for (const style of document.querySelectorAll('style')) {
    blocks.push({ bytes: Buffer.byteLength(style.outerHTML), label: '<style> in the head' });
  }
  // MJML's text cells: the innermost `td > div`, holding the content itself.
  for (const cell of [...document.querySelectorAll('td > div')].filter((d) => !d.querySelector('table'))) {
    for (const child of cell.children) {
      const tag = child.tagName.toLowerCase();
      const cls = child.getAttribute('class');
      const text = (child.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 50);
      blocks.push({
        bytes: Buffer.byteLength(child.outerHTML),
        label: `<${tag}${cls ? ` class="${cls}"` : ''}> "${text}"`,
      });
    }
  }
  const largest = blocks
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3)
    .map((b) => `${b.label} (${b.bytes} bytes)`);
  return `${bytes} bytes of HTML, over the ${limit}-byte limit; largest: ${largest.join('; ')}`;
}
