import { type DigestFill, FillContext } from '../lambdas/adapters/digest-fill.js';
import { DigestRenderError } from '../lambdas/adapters/digest-renderer.js';

/**
 * Compiles the digest's LiquidJS templates (MJML's output, `templates/compiled/digest.ts`) into
 * one JavaScript function when the functions are built, so compose neither carries LiquidJS nor
 * parses a template at its cold start: text becomes string appends, tags become the statements
 * they stand for, and every value goes through `FillContext` (lambdas/adapters/digest-fill.ts),
 * which reads, tests and escapes values as LiquidJS does under the digest's options.
 *
 * It takes the part of Liquid the digest uses and refuses the rest by name (filters, whitespace
 * control, `and`/`or`, `elsif`, loop modifiers, `nil`/`empty`/`blank`, other tags), so a template
 * change it cannot compile fails the build rather than rendering differently: `{{ path }}`,
 * `{% if %}`/`{% unless %}` with an optional `{% else %}`, a comparison of two values, `{% for x in
 * path %}` with an optional `{% else %}`, `{% assign x = value %}` and `{% include 'name', key:
 * value %}` (each partial compiled once into a function of its own, called with its parameters
 * in a scope of their own).
 */

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'output'; value: string }
  | { kind: 'if'; negate: boolean; condition: string; body: Node[]; else: Node[] }
  | { kind: 'for'; variable: string; collection: string; body: Node[]; else: Node[] }
  | { kind: 'assign'; name: string; value: string }
  | { kind: 'include'; name: string; params: [string, string][] };

const MARKUP = /\{\{([\s\S]*?)\}\}|\{%([\s\S]*?)%\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const STRING = /^'([^'\\]*)'$|^"([^"\\]*)"$/;
const NUMBER = /^-?\d+(?:\.\d+)?$/;
const RESERVED = new Set(['nil', 'null', 'empty', 'blank', 'and', 'or', 'contains', 'not']);
const OPERATORS = ['==', '!=', '>=', '<=', '>', '<'] as const;

function fail(where: string, why: string): never {
  throw new DigestRenderError(
    `${where}: ${why} (scripts/liquid-to-js.ts compiles the digest's part of Liquid only)`,
  );
}

/** A literal or a variable path as a JavaScript expression; a condition lets a missing path be null. */
function value(source: string, where: string, lenient: boolean): string {
  const text = source.trim();
  if (text.includes('|')) fail(where, `filters are not compiled: ${text}`);
  const quoted = STRING.exec(text);
  if (quoted) return JSON.stringify(quoted[1] ?? quoted[2] ?? '');
  if (NUMBER.test(text)) return String(Number(text));
  if (text === 'true' || text === 'false') return text;
  if (!PATH.test(text)) fail(where, `not a literal or a variable: ${text}`);
  const path = text.split('.');
  if (RESERVED.has(path[0] ?? '')) fail(where, `${path[0]} is not compiled`);
  return `c.get(${JSON.stringify(path)}, ${lenient})`;
}

/** `value` or `value <op> value` (LiquidJS reads a condition's variables leniently). */
function condition(source: string, where: string): string {
  const words = source.trim().split(/\s+/);
  if (words.some((word) => RESERVED.has(word)))
    fail(where, `and, or, contains, not, nil, empty and blank are not compiled`);
  for (const operator of OPERATORS) {
    const at = source.indexOf(operator);
    if (at >= 0) {
      const left = value(source.slice(0, at), where, true);
      const right = value(source.slice(at + operator.length), where, true);
      return `F.compare(${JSON.stringify(operator)}, ${left}, ${right})`;
    }
  }
  return `F.truthy(${value(source, where, true)})`;
}

/** Parses one template into nodes, each include left for {@link generate} to compile. */
function parse(template: string, file: string): Node[] {
  const root: Node[] = [];
  const stack: { node: Node & { kind: 'if' | 'for' }; into: Node[]; closer: string; elsed: boolean }[] = [];
  let into = root;
  let last = 0;
  const text = (chunk: string): void => {
    if (/\{\{|\{%/.test(chunk)) fail(file, `an unclosed tag in ${JSON.stringify(chunk.slice(0, 60))}`);
    if (chunk) into.push({ kind: 'text', text: chunk });
  };
  for (const match of template.matchAll(MARKUP)) {
    text(template.slice(last, match.index));
    last = (match.index ?? 0) + match[0].length;
    const where = `${file}: ${match[0]}`;
    const inner = match[1] ?? match[2] ?? '';
    if (/^-|-$/.test(inner)) fail(where, 'whitespace control is not compiled');
    if (match[1] !== undefined) {
      into.push({ kind: 'output', value: value(inner, where, false) });
      continue;
    }
    const [, tag = '', rest = ''] = /^\s*(\w+)\s*([\s\S]*?)\s*$/.exec(inner) ?? [];
    const open = stack.at(-1);
    switch (tag) {
      case 'if':
      case 'unless': {
        const node = {
          kind: 'if' as const,
          negate: tag === 'unless',
          condition: condition(rest, where),
          body: [] as Node[],
          else: [] as Node[],
        };
        into.push(node);
        stack.push({ node, into, closer: `end${tag}`, elsed: false });
        into = node.body;
        break;
      }
      case 'for': {
        const parts = /^([A-Za-z_]\w*)\s+in\s+(\S+)$/.exec(rest);
        if (!parts) fail(where, 'only `for name in path` is compiled (no offset, limit, reversed or ranges)');
        const node = {
          kind: 'for' as const,
          variable: parts[1] ?? '',
          collection: value(parts[2] ?? '', where, false),
          body: [] as Node[],
          else: [] as Node[],
        };
        into.push(node);
        stack.push({ node, into, closer: 'endfor', elsed: false });
        into = node.body;
        break;
      }
      case 'else': {
        if (!open || open.elsed || rest)
          fail(where, 'an else outside an if, unless or for, or a second else');
        open.elsed = true;
        into = open.node.else;
        break;
      }
      case 'endif':
      case 'endunless':
      case 'endfor': {
        if (!open || open.closer !== tag || rest) fail(where, `${tag} closes no open ${tag.slice(3)}`);
        stack.pop();
        into = open.into;
        break;
      }
      case 'assign': {
        const parts = /^([A-Za-z_]\w*)\s*=\s*([\s\S]+)$/.exec(rest);
        if (!parts || !NAME.test(parts[1] ?? '')) fail(where, 'only `assign name = value` is compiled');
        into.push({ kind: 'assign', name: parts[1] ?? '', value: value(parts[2] ?? '', where, false) });
        break;
      }
      case 'include': {
        const parts = /^'([^']+)'\s*(?:,\s*([\s\S]*))?$/.exec(rest);
        if (!parts) fail(where, "only `include 'name'` with `key: value` parameters is compiled");
        const params = (parts[2] ?? '')
          .split(',')
          .filter((pair) => pair.trim())
          .map((pair): [string, string] => {
            const kv = /^\s*([A-Za-z_]\w*)\s*:\s*(\S+)\s*$/.exec(pair);
            if (!kv) fail(where, `a parameter that is not \`key: value\`: ${pair.trim()}`);
            return [kv[1] ?? '', value(kv[2] ?? '', where, false)];
          });
        into.push({ kind: 'include', name: parts[1] ?? '', params });
        break;
      }
      default:
        fail(where, `the tag ${tag || '(none)'} is not compiled`);
    }
  }
  text(template.slice(last));
  const unclosed = stack.at(-1);
  if (unclosed) fail(file, `a ${unclosed.closer.slice(3)} is never closed`);
  return root;
}

/** The templates being compiled, and each partial compiled once, as a function of its own. */
interface Compilation {
  templates: Readonly<Record<string, string>>;
  /** Partial name → its function's name and declaration, in the order they were first included. */
  partials: Map<string, { name: string; code: string }>;
  /** The partials being compiled, outermost first: one that includes itself would never end. */
  including: string[];
}

/**
 * The function of partial `name`, compiled on its first include: it appends what the partial
 * renders to a string of its own and returns it, reading the scopes through `c` as the template
 * does. Each include pushes its parameters' scope, calls it and pops the scope.
 */
function partialFunction(name: string, compilation: Compilation): string {
  const compiled = compilation.partials.get(name);
  if (compiled) return compiled.name;
  const partial = compilation.templates[name];
  if (partial === undefined) fail(`include '${name}'`, 'no such partial');
  if (compilation.including.includes(name)) fail(`include '${name}'`, 'a partial that includes itself');
  compilation.including.push(name);
  const body = generate(parse(partial, name), compilation, 0);
  compilation.including.pop();
  const fn = `partial${compilation.partials.size}`;
  compilation.partials.set(name, {
    name: fn,
    code: `// ${name}\nfunction ${fn}(): string {\nlet o = '';\n${body}return o;\n}\n`,
  });
  return fn;
}

/** The statements of `nodes`; `depth` keeps nested loops' variables apart. */
function generate(nodes: Node[], compilation: Compilation, depth: number): string {
  let code = '';
  for (const node of nodes) {
    switch (node.kind) {
      case 'text':
        code += `o += ${JSON.stringify(node.text)};\n`;
        break;
      case 'output':
        code += `o += F.out(${node.value});\n`;
        break;
      case 'if': {
        const test = node.negate ? `!${node.condition}` : node.condition;
        code += `if (${test}) {\n${generate(node.body, compilation, depth)}}`;
        code += node.else.length > 0 ? ` else {\n${generate(node.else, compilation, depth)}}\n` : '\n';
        break;
      }
      case 'for': {
        const [list, scope, i] = [`l${depth}`, `s${depth}`, `i${depth}`];
        const name = JSON.stringify(node.variable);
        code += `{\nconst ${list} = F.list(${node.collection});\n`;
        code += `if (${list}.length === 0) {\n${generate(node.else, compilation, depth + 1)}} else {\n`;
        code += `const ${scope} = c.push();\n`;
        code += `for (let ${i} = 0; ${i} < ${list}.length; ${i}++) {\n`;
        code += `${scope}.forloop = F.forloop(${i}, ${list}.length, ${name});\n${scope}[${name}] = ${list}[${i}];\n`;
        code += `${generate(node.body, compilation, depth + 1)}}\nc.pop();\n}\n}\n`;
        break;
      }
      case 'assign':
        code += `c.assign(${JSON.stringify(node.name)}, ${node.value});\n`;
        break;
      case 'include': {
        const params = node.params.map(([key, v]) => `${JSON.stringify(key)}: ${v}`).join(', ');
        code += `c.push({ ${params} });\no += ${partialFunction(node.name, compilation)}();\nc.pop();\n`;
        break;
      }
    }
  }
  return code;
}

/**
 * The body of the fill function for `templates` (`entry` and the partials it includes): it reads
 * `data`, `c` (a FillContext of it) and `F` (the FillContext class), and returns the HTML. With
 * `types` off, the partials' functions carry no TypeScript annotation (for `new Function`).
 * @throws DigestRenderError naming what it cannot compile
 */
export function liquidToJs(
  templates: Readonly<Record<string, string>>,
  entry = 'digest',
  types = true,
): string {
  const source = templates[entry];
  if (source === undefined) fail(entry, 'no such template');
  const compilation: Compilation = { templates, partials: new Map(), including: [entry] };
  const main = generate(parse(source, entry), compilation, 0);
  const partials = [...compilation.partials.values()].map((p) =>
    types ? p.code : p.code.replace('(): string {', '() {'),
  );
  return `${partials.join('')}let o = '';\n${main}return o;\n`;
}

/** The module `scripts/build-templates.ts` writes: the fill function of the compiled digest. */
export function fillModule(templates: Readonly<Record<string, string>>): string {
  return [
    '// Generated by scripts/build-templates.ts (scripts/liquid-to-js.ts) from templates/compiled/digest.ts;',
    "// do not edit. The digest's LiquidJS template as one function: see lambdas/adapters/digest-fill.ts.",
    '// biome-ignore-all lint: generated',
    '// biome-ignore-all format: generated',
    "import { FillContext as F } from '../../lambdas/adapters/digest-fill.js';",
    '',
    'export function fillDigest(data: object): string {',
    'const c = new F(data);',
    liquidToJs(templates).trimEnd(),
    '}',
    '',
  ].join('\n');
}

/** The same function built now, for templates that are not the committed ones (the build's tests). */
export function compileFill(templates: Readonly<Record<string, string>>): DigestFill {
  const body = liquidToJs(templates, 'digest', false);
  const fill = new Function('F', 'data', `const c = new F(data);\n${body}`) as (
    context: typeof FillContext,
    data: object,
  ) => string;
  return (data) => fill(FillContext, data);
}
