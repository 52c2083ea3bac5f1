/**
 * The text rules, each defined once: which characters a kind of text keeps, and which it refuses
 * (when validating input) or strips (when cleaning text that is already ours to show). Every
 * module that validates or cleans text imports its rule from here.
 *
 * | Rule           | For                                              | Refuses / strips                                      |
 * | -------------- | ------------------------------------------------ | ----------------------------------------------------- |
 * | `single-line`  | headlines, names, subjects, display names        | C0 (tab and line feed too), DEL, C1, U+2028, U+2029,  |
 * |                |                                                  | bidirectional controls                                |
 * | `multi-line`   | paragraphs of body text                          | C0 except tab and line feed, DEL, C1                  |
 * | `header-value` | header tokens: addresses, URLs, ids              | what `single-line` refuses, whitespace, `<` and `>`   |
 *
 * Bidirectional controls (U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates) can
 * make a Subject or a sender's display name read as something else ("Ada\u202Egnp.exe" shows as
 * "Adaexe.png"), so no single-line text keeps them, wherever it came from (a form, a feed, the
 * configuration). Paragraphs keep them, and the line and paragraph separators: the Unicode
 * bidirectional algorithm ends every embedding at the end of a paragraph, each body paragraph is
 * a block of its own, and right-to-left writing needs them.
 *
 * Cleaning a single line turns the whitespace controls (tab, line feed, vertical tab, form feed,
 * carriage return, U+2028, U+2029) into spaces, removes every other refused character and
 * collapses whitespace. Text from feeds also loses the invisible characters (zero-width space,
 * byte-order mark, the noncharacters U+FFFE and U+FFFF), which only ever get there by accident.
 */

/** The names of the rules, as the table above gives them. */
export type TextRuleName = 'single-line' | 'multi-line' | 'header-value';

export interface TextRule {
  readonly name: TextRuleName;
  /** Matches one character the rule refuses (not global: safe to `test` repeatedly). */
  readonly refuses: RegExp;
  /** The refused characters in words, for error messages: "must not contain …". */
  readonly refusesWhat: string;
}

// Character classes, each spelled once (as regular-expression class contents).
const C0_EXCEPT_TAB_AND_LINE_FEED = '\\u0000-\\u0008\\u000b-\\u001f';
const TAB_AND_LINE_FEED = '\\u0009\\u000a';
const DEL_AND_C1 = '\\u007f-\\u009f';
const LINE_SEPARATORS = '\\u2028\\u2029';
const BIDI_CONTROLS = '\\u202a-\\u202e\\u2066-\\u2069';
const INVISIBLE = '\\u200b\\ufeff\\ufffe\\uffff';

const SINGLE_LINE_REFUSED = `${C0_EXCEPT_TAB_AND_LINE_FEED}${TAB_AND_LINE_FEED}${DEL_AND_C1}${LINE_SEPARATORS}${BIDI_CONTROLS}`;
const MULTI_LINE_REFUSED = `${C0_EXCEPT_TAB_AND_LINE_FEED}${DEL_AND_C1}`;

/** One line of display text: no control characters, line breaks or bidirectional controls. */
export const SINGLE_LINE: TextRule = {
  name: 'single-line',
  refuses: new RegExp(`[${SINGLE_LINE_REFUSED}]`, 'u'),
  refusesWhat: 'control characters, line breaks or bidirectional controls',
};

/** Paragraphs: tab and line feed kept; no other control characters (carriage returns included). */
export const MULTI_LINE: TextRule = {
  name: 'multi-line',
  refuses: new RegExp(`[${MULTI_LINE_REFUSED}]`, 'u'),
  refusesWhat: 'control characters other than tab and line feed',
};

/** A structural header value (address, URL, id): used as given or refused, never cleaned. */
export const HEADER_VALUE: TextRule = {
  name: 'header-value',
  refuses: new RegExp(`[${SINGLE_LINE_REFUSED}\\s<>]`, 'u'),
  refusesWhat: 'spaces, control characters, bidirectional controls or angle brackets',
};

/** The first character `value` holds that `rule` refuses, as "U+000A"; undefined when none. */
export function refusedCharacter(rule: TextRule, value: string): string | undefined {
  const match = rule.refuses.exec(value);
  if (!match) return undefined;
  return `U+${(match[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Whether `value` keeps to `rule`. */
export function keepsRule(rule: TextRule, value: string): boolean {
  return !rule.refuses.test(value);
}

/** Why `value` breaks `rule` ("must not contain … (U+202E)"), or undefined when it keeps to it. */
export function ruleViolation(rule: TextRule, value: string): string | undefined {
  const found = refusedCharacter(rule, value);
  return found === undefined ? undefined : `must not contain ${rule.refusesWhat} (found ${found})`;
}

const WHITESPACE_CONTROLS = new RegExp(`[\\u0009-\\u000d${LINE_SEPARATORS}]`, 'gu');
const SINGLE_LINE_STRIPPED = new RegExp(`[${SINGLE_LINE_REFUSED}]`, 'gu');
const MULTI_LINE_STRIPPED = new RegExp(`[${MULTI_LINE_REFUSED}]`, 'gu');
const INVISIBLE_STRIPPED = new RegExp(`[${INVISIBLE}]`, 'gu');

/**
 * Text cleaned to the single-line rule: whitespace controls become spaces, every other refused
 * character goes, runs of whitespace become one space, and the ends are trimmed.
 */
export function cleanSingleLine(value: string): string {
  return value
    .replace(WHITESPACE_CONTROLS, ' ')
    .replace(SINGLE_LINE_STRIPPED, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * A paragraph cleaned to the multi-line rule and laid out as one line of flowing text: refused
 * characters go, line breaks and runs of whitespace become one space; bidirectional controls
 * stay (the paragraph is a block of its own).
 */
export function cleanParagraph(value: string): string {
  return value.replace(/\r\n?/g, '\n').replace(MULTI_LINE_STRIPPED, '').replace(/\s+/g, ' ').trim();
}

/** Removes the invisible characters (zero-width space, byte-order mark, U+FFFE, U+FFFF). */
export function stripInvisible(value: string): string {
  return value.replace(INVISIBLE_STRIPPED, '');
}
