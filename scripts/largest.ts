/**
 * Prints the largest source files (by lines) and the longest functions, as the Markdown tables of
 * docs/architecture.md ("The five largest files and functions"), so that section can be
 * regenerated after a change: `npx tsx scripts/largest.ts [--top N] [--all]`.
 *
 * Source means lambdas/, cli/, infra/ and scripts/; `--all` adds tests/ and bench/. Functions are
 * found with the TypeScript compiler's own parser (the installed `typescript` package's API), so
 * braces in strings, templates, regular expressions and comments cannot mislead the count.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type Node, type SourceFile, SyntaxKind } from 'typescript/unstable/ast';
import { API } from 'typescript/unstable/sync';

const ROOT = resolve(import.meta.dirname, '..');
const SOURCE_DIRS = ['lambdas', 'cli', 'infra', 'scripts'];
const TEST_DIRS = ['tests', 'bench'];
/** Generated or vendored code, not written by hand. */
const SKIPPED = ['node_modules', 'templates/compiled', 'tests/fixtures', 'cdk.out'];

interface FileSize {
  file: string;
  lines: number;
}

interface FunctionSize {
  name: string;
  file: string;
  line: number;
  lines: number;
}

const FUNCTION_KINDS = new Set<SyntaxKind>([
  SyntaxKind.FunctionDeclaration,
  SyntaxKind.FunctionExpression,
  SyntaxKind.ArrowFunction,
  SyntaxKind.MethodDeclaration,
  SyntaxKind.Constructor,
  SyntaxKind.GetAccessor,
  SyntaxKind.SetAccessor,
]);

function parseArgs(argv: readonly string[]): { top: number; dirs: string[] } {
  let top = 5;
  let dirs = SOURCE_DIRS;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--all') dirs = [...SOURCE_DIRS, ...TEST_DIRS];
    else if (arg === '--top') {
      top = Number(argv[++i]);
      if (!Number.isInteger(top) || top < 1) throw new Error('--top needs a whole number of at least 1');
    } else throw new Error(`unknown option ${arg}; usage: npx tsx scripts/largest.ts [--top N] [--all]`);
  }
  return { top, dirs };
}

function sourceFiles(dir: string): string[] {
  const rel = relative(ROOT, dir);
  if (SKIPPED.some((skip) => rel === skip || rel.startsWith(`${skip}/`))) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.[cm]?ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function lineCount(text: string): number {
  return text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
}

/** A readable name: the declaration's own, else what it is assigned to, else where it is passed. */
function functionName(node: Node, sourceFile: SourceFile): string {
  const own = (node as { name?: Node }).name;
  if (node.kind === SyntaxKind.Constructor) return `${className(node, sourceFile)} constructor`;
  if (own !== undefined) {
    const container = className(node, sourceFile);
    const name = own.getText(sourceFile);
    return node.kind === SyntaxKind.FunctionDeclaration || container === '' ? name : `${container}.${name}`;
  }
  const parent = node.parent;
  const parentName = (parent as { name?: Node }).name;
  if (
    (parent.kind === SyntaxKind.VariableDeclaration || parent.kind === SyntaxKind.PropertyAssignment) &&
    parentName !== undefined
  ) {
    return parentName.getText(sourceFile);
  }
  if (parent.kind === SyntaxKind.CallExpression) {
    const callee = (parent as unknown as { expression: Node }).expression.getText(sourceFile);
    const first = callee.split('\n')[0] ?? callee;
    return `callback of ${first.length > 40 ? `${first.slice(0, 40)}…` : first}(…)`;
  }
  return '(anonymous)';
}

function className(node: Node, sourceFile: SourceFile): string {
  for (let up: Node | undefined = node.parent; up !== undefined; up = up.parent) {
    if (up.kind === SyntaxKind.ClassDeclaration || up.kind === SyntaxKind.ClassExpression) {
      return (up as { name?: Node }).name?.getText(sourceFile) ?? '(class)';
    }
  }
  return '';
}

function functionsOf(sourceFile: SourceFile, file: string): FunctionSize[] {
  const found: FunctionSize[] = [];
  const visit = (node: Node): void => {
    if (FUNCTION_KINDS.has(node.kind)) {
      const start = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line;
      const end = sourceFile.getLineAndCharacterOfPosition(node.end).line;
      found.push({ name: functionName(node, sourceFile), file, line: start + 1, lines: end - start + 1 });
    }
    node.forEachChild(visit);
  };
  sourceFile.forEachChild(visit);
  return found;
}

function table(header: string, rows: string[][]): string {
  return [header, header.replace(/[^|]+/g, ' --- '), ...rows.map((cells) => `| ${cells.join(' | ')} |`)].join(
    '\n',
  );
}

function main(): void {
  const { top, dirs } = parseArgs(process.argv.slice(2));
  const files = dirs.flatMap((dir) => sourceFiles(join(ROOT, dir))).sort();
  const sizes: FileSize[] = files.map((path) => ({
    file: relative(ROOT, path),
    lines: lineCount(readFileSync(path, 'utf8')),
  }));

  const api = new API({ cwd: ROOT });
  const functions: FunctionSize[] = [];
  try {
    const snapshot = api.updateSnapshot({ openProject: join(ROOT, 'tsconfig.json') });
    for (const path of files) {
      const project = snapshot.getDefaultProjectForFile(path);
      const sourceFile = project?.program.getSourceFile(path);
      if (sourceFile === undefined)
        throw new Error(`the TypeScript API could not parse ${relative(ROOT, path)}`);
      functions.push(...functionsOf(sourceFile, relative(ROOT, path)));
    }
  } finally {
    api.close();
  }

  const largestFiles = [...sizes]
    .sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file))
    .slice(0, top);
  const longestFunctions = [...functions]
    .sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file) || a.line - b.line)
    .slice(0, top);

  console.log(`Largest files (${dirs.join('/, ')}/; ${files.length} files)\n`);
  console.log(
    table(
      '| lines | file |',
      largestFiles.map((f) => [String(f.lines), `\`${f.file}\``]),
    ),
  );
  console.log(`\nLongest functions (${functions.length} functions)\n`);
  console.log(
    table(
      '| lines | function | where |',
      longestFunctions.map((f) => [String(f.lines), `\`${f.name}\``, `\`${f.file}:${f.line}\``]),
    ),
  );
}

main();
