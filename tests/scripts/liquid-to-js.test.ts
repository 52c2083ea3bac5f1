import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { UndefinedVariableError } from '../../lambdas/adapters/digest-fill.js';
import { DIGEST_LIQUID_OPTIONS, DigestRenderError } from '../../lambdas/adapters/digest-renderer.js';
import { buildDigestView, type DigestInput, recipientSlotValues } from '../../lambdas/core/digest.js';
import { compileFill, liquidToJs } from '../../scripts/liquid-to-js.js';
import { DIGEST_TEMPLATES } from '../../templates/compiled/digest.js';
import { fillDigest } from '../../templates/compiled/digest-fill.js';
import { digestBrief, digestConfig, digestInput, recipient } from '../support/digest-fixture.js';

/** LiquidJS itself, under the digest's options: what the compiled function must equal. */
function liquidRender(templates: Readonly<Record<string, string>>, data: object): string {
  const liquid = new Liquid({ ...DIGEST_LIQUID_OPTIONS, templates: { ...templates }, extname: '' });
  return liquid.renderSync(liquid.parse(templates.digest ?? '', 'digest'), data);
}

const HOSTILE = [
  `<script>alert("x")</script> & 'quotes'`,
  '',
  '   ',
  'Ünïcödé — “curly” 新闻 🙂',
  '{{ subject }} {% if x %}',
  '<!--tidings:trim-end-->',
  'line\n   indented\n\nafter a blank',
  '&amp; already escaped &#39;',
];

/** `text`, or `fallback` where a brief may not hold blank text. */
const or = (text: string, fallback: string): string => (text.trim() ? text : fallback);

/** The same on one line, for the fields that are one line. */
const one = (text: string, fallback: string): string => or(text.replace(/\s+/g, ' ').trim(), fallback);

/** Briefs whose every text field is one of the hostile strings, and optional parts left out or empty. */
function hostileInputs(): [string, DigestInput][] {
  return HOSTILE.map((text, i) => [
    `text ${JSON.stringify(text.slice(0, 24))}`,
    digestInput([
      digestBrief({
        id: `h${i}`,
        headline: one(text, 'Headline'),
        dek: one(text, 'Dek'),
        topic: i % 2 ? 'health' : 'politics',
        region: one(text, 'Ward 1'),
        editions: ['dc'],
        publishedAt: '2026-11-30T01:00:00Z',
        updatedAt: i % 3 ? '2026-11-30T05:00:00Z' : '2026-11-30T01:00:00Z',
        ...(i % 2 ? { url: `https://news.example/${i}?a=1&b="2"` } : {}),
        ...(i % 3 === 0
          ? {
              image: {
                url: 'https://images.example/a.jpg',
                alt: one(text, 'Alt'),
                credit: one(text, 'Credit'),
              },
            }
          : {}),
        news: [or(text, 'Body'), `${text} again`],
        signals:
          i % 4 === 0
            ? []
            : [
                {
                  headline: one(text, 'Signal'),
                  body: or(text, 'Body'),
                  sources: [{ name: one(text, 'A source') }, { name: 'B' }],
                },
              ],
      }),
      digestBrief({
        id: `g${i}`,
        headline: 'Second',
        topic: 'health',
        editions: ['dc'],
        publishedAt: '2026-11-30T02:00:00Z',
        updatedAt: '2026-11-30T02:00:00Z',
        news: ['Body'],
      }),
    ]),
  ]);
}

describe('the digest compiled to JavaScript (scripts/liquid-to-js.ts)', () => {
  it('is the committed fill function: the same output as compiling the committed templates now', () => {
    const view = buildDigestView(digestInput());
    expect(fillDigest(view)).toBe(compileFill(DIGEST_TEMPLATES)(view));
  });

  it.each([
    ['the twelve-brief fixture', digestInput()],
    ['a weekly roundup', { ...digestInput(), kind: 'roundup' as const, issueId: 'dc-2026-W49' }],
    [
      'a publication without a wordmark',
      digestInput(undefined, (({ wordmark: _, ...c }) => c)(digestConfig())),
    ],
    ...hostileInputs(),
  ])('fills %s byte for byte as LiquidJS does', (_name, input) => {
    const view = buildDigestView(input);
    expect(fillDigest(view)).toBe(liquidRender(DIGEST_TEMPLATES, view));
    const reader = recipient('ana@example.com', `Ana <b>"Lima"</b> & co`);
    const forReader = buildDigestView(input, recipientSlotValues('The Daily', reader));
    expect(fillDigest(forReader)).toBe(liquidRender(DIGEST_TEMPLATES, forReader));
  });

  // Small templates through both, for the semantics the digest relies on.
  const CASES: [string, string, Record<string, string>?][] = [
    ['outputs and escaping', `{{ a }}|{{ n }}|{{ t }}|{{ list }}|{{ nothing }}|{{ o.k }}`],
    [
      'Liquid truthiness: an empty string is true, nil and false are not',
      '{% if e %}E{% endif %}{% if f %}F{% else %}!F{% endif %}{% if nothing %}N{% endif %}{% unless f %}U{% endunless %}',
    ],
    [
      'lenient conditions on absent paths',
      '{% if missing.deeper %}M{% else %}none{% endif %}{% if list.size > 2 %}big{% endif %}{% if missing.size > 0 %}x{% endif %}',
    ],
    ['size, first and last', '{{ list.size }} {{ list.first }} {{ list.last }} {{ a.size }} {{ o.size }}'],
    [
      'comparisons',
      "{% if n == 3 %}eq{% endif %}{% if n != 4 %}ne{% endif %}{% if n >= 3 %}ge{% endif %}{% if n <= 2 %}le{% endif %}{% if a == 'x<y' %}s{% endif %}{% if list == list %}l{% endif %}",
    ],
    [
      'loops: forloop, else, strings, objects and nesting',
      '{% for i in list %}{{ forloop.index }}{{ i }}{% unless forloop.last %},{% endunless %}{% for j in list %}{% if forloop.first %}[{{ j }}{% endif %}{% endfor %}]{% endfor %}{% for i in none %}x{% else %}empty{% endfor %}{% for c in a %}<{{ c }}>{% endfor %}{% for p in o %}{{ p }};{% endfor %}',
    ],
    [
      'assign writes the outermost scope, loop variables shadow it',
      "{% assign i = 'outer' %}{% for i in list %}{{ i }}{% assign k = i %}{% endfor %}{{ i }} {{ k }}",
    ],
    [
      'includes: parameters in their own scope, shared assigns',
      "{% include 'p', x: a, y: 3 %}{{ z }}{% include 'p', x: n, y: f %}",
      { p: '[{{ x }}{{ y }}{% assign z = x %}{% if a %}{{ a }}{% endif %}]' },
    ],
    [
      'own properties only',
      '{% if o.toString %}T{% else %}F{% endif %}{% if constructor %}C{% else %}-{% endif %}',
    ],
  ];
  const data = {
    a: `x<y & "z" 'w'`,
    n: 3,
    t: true,
    f: false,
    e: '',
    nothing: null,
    list: [1, '<2>', 3],
    none: [],
    o: { k: 'v', l: 2 },
  };

  it.each(CASES)('%s', (_name, template, partials = {}) => {
    const templates = { digest: template, ...partials };
    expect(compileFill(templates)(data)).toBe(liquidRender(templates, data));
  });

  it('fails the render, naming it, on a variable the data does not have (as strict LiquidJS does)', () => {
    const fill = compileFill({ digest: 'a {{ present }} {{ absent.deeper }}' });
    expect(() => fill({ present: 1 })).toThrow(UndefinedVariableError);
    expect(() => fill({ present: 1 })).toThrow('undefined variable: absent');
    expect(() => compileFill({ digest: '{% for x in missing %}{% endfor %}' })({})).toThrow(/missing/);
    expect(() => liquidRender({ digest: '{% for x in missing %}{% endfor %}' }, {})).toThrow(/missing/);
  });

  it.each<[string, string, RegExp, Record<string, string>?]>([
    ['a filter', '{{ a | upcase }}', /filters are not compiled/],
    ['whitespace control', '{{- a }}', /whitespace control/],
    ['and/or', '{% if a and b %}{% endif %}', /and, or/],
    ['nil', '{% if a == nil %}{% endif %}', /and, or, contains, not, nil/],
    ['elsif', '{% if a %}{% elsif b %}{% endif %}', /the tag elsif is not compiled/],
    ['a loop modifier', '{% for x in list limit: 2 %}{% endfor %}', /only `for name in path`/],
    ['an unknown tag', '{% capture x %}y{% endcapture %}', /the tag capture/],
    ['an unclosed block', '{% if a %}x', /a if is never closed/],
    ['a stray closer', 'x{% endfor %}', /endfor closes no open for/],
    ['a mismatched closer', '{% for x in l %}{% endif %}', /endif closes no open if/],
    ['a second else', '{% if a %}1{% else %}2{% else %}3{% endif %}', /a second else/],
    ['an unclosed output', 'a {{ b', /an unclosed tag/],
    ['a bracketed path', '{{ a[0] }}', /not a literal or a variable/],
    ['code in a value', '{{ a); process.exit(1); (b }}', /not a literal or a variable/],
    ['a missing partial', "{% include 'nowhere' %}", /no such partial/],
    ['a partial that includes itself', "{% include 'p' %}", /includes itself/, { p: "{% include 'p' %}" }],
    ['a malformed parameter', "{% include 'p', x %}", /not `key: value`/, { p: '' }],
    [
      'partials that include each other',
      "{% include 'p' %}",
      /'p'.*includes itself/,
      { p: "{% include 'q' %}", q: "{% include 'p' %}" },
    ],
  ])('refuses %s, naming it', (_name, template, error, partials = {}) => {
    const compile = (): string => liquidToJs({ digest: template, ...partials });
    expect(compile).toThrow(DigestRenderError);
    expect(compile).toThrow(error);
  });

  it('compiles a partial once, however often it is included, each include with its own parameters', () => {
    const templates = {
      digest:
        "{% include 'p', x: 1 %}{% for i in list %}{% include 'p', x: i %}{% endfor %}{% include 'p', x: a %}",
      p: '<b data-once="yes">{{ x }}</b>',
    };
    expect(liquidToJs(templates).split('data-once').length - 1).toBe(1);
    expect(compileFill(templates)(data)).toBe(liquidRender(templates, data));
  });

  it('keeps data out of the code: a quoted value with quotes and backslashes stays a string', () => {
    const templates = {
      digest: `{% assign q = "it's" %}{{ q }}{% if a == '");process.exit(1);//' %}x{% endif %}`,
    };
    expect(compileFill(templates)({ a: 'b' })).toBe(liquidRender(templates, { a: 'b' }));
  });
});
