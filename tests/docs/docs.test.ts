import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOCS = [
  'README.md',
  'tests/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

function read(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** The text outside fenced code blocks, where Markdown links and headings live. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

/** Heading anchors as GitHub makes them: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading = ''] of prose(markdown).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}_\- ]/gu, '')
      .replaceAll(' ', '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

describe('the docs', () => {
  it('link only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const doc of DOCS) {
      for (const [, target = ''] of prose(read(doc)).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?|mailto):/.test(target)) continue;
        const [path = '', anchor] = target.split('#');
        const file = path === '' ? doc : normalize(join(dirname(doc), path));
        if (!existsSync(join(ROOT, file))) broken.push(`${doc}: ${target} (no file ${file})`);
        else if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(read(file)).has(anchor)) {
          broken.push(`${doc}: ${target} (no heading #${anchor} in ${file})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('draw the send ledger state diagram once, in docs/delivery.md', () => {
    const transition = 'claim (put if absent, token T)';
    const markdown = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          return ['node_modules', '.git', 'cdk.out', '.tidings', 'fixtures'].includes(entry.name)
            ? []
            : markdown(path);
        }
        return entry.name.endsWith('.md') ? [path] : [];
      });
    const drawnIn = markdown('.')
      .filter((path) => read(path).includes(transition))
      .map((path) => relative('.', path));
    expect(drawnIn).toEqual(['docs/delivery.md']);
  });
});

describe("the copy-paste detector's exclusions", () => {
  it('each have a reason in docs/architecture.md', () => {
    const config = JSON.parse(read('.jscpd.json')) as { ignore?: string[]; ignorePattern?: string[] };
    const section = read('docs/architecture.md').split('## Duplication')[1] ?? '';
    const documented = section
      .split('\n')
      .filter((line) => line.startsWith('| `ignore'))
      .map((line) => line.split('|').map((cell) => cell.trim()));
    expect(documented).toHaveLength((config.ignore?.length ?? 0) + (config.ignorePattern?.length ?? 0));
    for (const glob of config.ignore ?? []) {
      expect(documented.some(([, entry, , reason]) => entry === `\`ignore\`: \`${glob}\`` && reason)).toBe(
        true,
      );
    }
    for (const cells of documented.filter(([, entry]) => entry?.startsWith('`ignorePattern`'))) {
      expect(cells[3], `${cells[1]} has no reason`).not.toBe('');
    }
  });
});
