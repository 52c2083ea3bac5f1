import { describe, expect, it } from 'vitest';
import {
  cleanParagraph,
  cleanSingleLine,
  HEADER_VALUE,
  keepsRule,
  MULTI_LINE,
  refusedCharacter,
  ruleViolation,
  SINGLE_LINE,
  stripInvisible,
} from '../../../lambdas/core/text-rules.js';

const BIDI_CONTROLS = [
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
];
const hex = (c: string): string => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** Text every rule keeps: scripts of both directions, emoji sequences, combining marks, no-break spaces. */
const PLAIN = [
  'Plain words, punctuation: "quotes" & ampersands.',
  'العربية و עברית mixed with English 123',
  '👨‍👩‍👧‍👦 🏳️‍🌈 and Z̤͔ͧ̑̓ä͖̭̈̇lgo',
  'no\u00a0break, soft\u00adhyphen, zero\u200cwidth non-joiner, narrow\u202fspace',
];

describe('single-line rule', () => {
  it.each([
    ['NUL', '\u0000'],
    ['a bell', '\u0007'],
    ['a tab', '\t'],
    ['a line feed', '\n'],
    ['a carriage return', '\r'],
    ['an escape', '\u001b'],
    ['DEL', '\u007f'],
    ['NEL (C1)', '\u0085'],
    ['a C1 CSI', '\u009b'],
    ['a line separator', '\u2028'],
    ['a paragraph separator', '\u2029'],
    ...BIDI_CONTROLS.map((c) => [`the bidi control ${hex(c)}`, c] as [string, string]),
  ])('refuses %s, and names it', (_label, c) => {
    const value = `Ada${c}gnp.exe`;
    expect(keepsRule(SINGLE_LINE, value)).toBe(false);
    expect(refusedCharacter(SINGLE_LINE, value)).toBe(hex(c));
    expect(ruleViolation(SINGLE_LINE, value)).toContain(`(found ${hex(c)})`);
  });

  it('keeps plain text of any script', () => {
    for (const value of PLAIN) {
      expect(keepsRule(SINGLE_LINE, value), value).toBe(true);
      expect(ruleViolation(SINGLE_LINE, value)).toBeUndefined();
    }
  });

  it('cleans a header-injection attempt to one line: line breaks become spaces, other controls go', () => {
    expect(cleanSingleLine('Ana\r\nBcc: x@evil.example\u0000')).toBe('Ana Bcc: x@evil.example');
    expect(cleanSingleLine('Bell\u0007 and\u0085tab\there')).toBe('Bell andtab here');
    expect(cleanSingleLine('one\u2028two\u2029three\u000bfour\u000cfive')).toBe('one two three four five');
  });

  it('cleans away every bidi control, so a name cannot read backwards in a Subject', () => {
    expect(cleanSingleLine('Ada\u202egnp.exe')).toBe('Adagnp.exe');
    const all = `a${BIDI_CONTROLS.join('b')}c`;
    expect(cleanSingleLine(all)).toBe('abbbbbbbbc');
    expect(keepsRule(SINGLE_LINE, cleanSingleLine(all))).toBe(true);
  });

  it('leaves plain text as it is, apart from collapsing whitespace', () => {
    for (const value of PLAIN) expect(cleanSingleLine(value)).toBe(value.replace(/\s+/g, ' '));
    expect(cleanSingleLine('  spaced   out  ')).toBe('spaced out');
  });
});

describe('multi-line rule', () => {
  it('keeps tab, line feed, the Unicode separators and bidi controls (right-to-left text needs them)', () => {
    const value = `First line\n\tindented\u2028next\u2029para with an isolated \u2067إيزو\u2069 run ${BIDI_CONTROLS.join('')}`;
    expect(keepsRule(MULTI_LINE, value)).toBe(true);
    for (const plain of PLAIN) expect(keepsRule(MULTI_LINE, plain), plain).toBe(true);
  });

  it.each([
    ['NUL', '\u0000'],
    ['a carriage return', '\r'],
    ['a vertical tab', '\u000b'],
    ['an escape', '\u001b'],
    ['DEL', '\u007f'],
    ['NEL (C1)', '\u0085'],
  ])('refuses %s', (_label, c) => {
    expect(keepsRule(MULTI_LINE, `a paragraph${c}with it`)).toBe(false);
    expect(refusedCharacter(MULTI_LINE, `x${c}`)).toBe(hex(c));
  });

  it('cleans a paragraph to one line of flowing text, keeping bidi controls', () => {
    expect(cleanParagraph('First\r\nsecond\rthird\n\tfourth\u0000\u001b[31m')).toBe(
      'First second third fourth[31m',
    );
    expect(cleanParagraph('an \u2067إيزو\u2069 run')).toBe('an \u2067إيزو\u2069 run');
  });
});

describe('header-value rule', () => {
  it('accepts an address, a URL and an id as given', () => {
    for (const value of ['news@example.com', 'https://tidings.example/u?t=a.b-c_d', '<id.1@example.com>']) {
      expect(keepsRule(HEADER_VALUE, value.replace(/^<|>$/g, '')), value).toBe(true);
    }
  });

  it.each([
    ['a trailing space', 'https://tidings.example '],
    ['a leading space', ' news@example.com'],
    ['a trailing line break', 'https://tidings.example\n'],
    ['an inner CRLF', 'https://tidings.example\r\nBcc: x@evil.example'],
    ['a tab', 'news@\texample.com'],
    ['an angle bracket', 'a@b.example>, <c@evil.example'],
    ['a bidi override', 'news@example.com\u202e'],
    ['a no-break space', 'news@example.com\u00a0'],
    ['a line separator', 'https://tidings.example\u2028'],
  ])('refuses %s', (_label, value) => {
    expect(keepsRule(HEADER_VALUE, value)).toBe(false);
    expect(ruleViolation(HEADER_VALUE, value)).toMatch(/^must not contain .*\(found U\+[0-9A-F]{4}\)$/);
  });
});

describe('invisible characters', () => {
  it('are removed: zero-width space, byte-order mark, U+FFFE and U+FFFF', () => {
    expect(stripInvisible('\ufeffzero\u200bwidth\ufffe\uffff')).toBe('zerowidth');
  });

  it('leave joiners alone (emoji sequences and scripts need them)', () => {
    expect(stripInvisible('👨‍👩‍👧 zero\u200cwidth')).toBe('👨‍👩‍👧 zero\u200cwidth');
  });
});
