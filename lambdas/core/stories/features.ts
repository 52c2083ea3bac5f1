/**
 * What story matching reads from an item: weighted terms of its title and summary (light
 * stemming, no stop words), the proper names it mentions, the figures it reports (normalised, so
 * "3.5 percent" and "3.5%" agree), and when it was published. Pure text work, no model.
 */

/** The text of one item as matching sees it. */
export interface StoryText {
  title: string;
  /** The item's summary; only its opening is read. */
  summary: string;
  /** ISO instant. */
  publishedAt: string;
}

export interface StoryFeatures {
  /** Term → weight in this item (title terms count twice); not yet scaled by rarity. */
  terms: Map<string, number>;
  /** Stems of capitalised words other than a sentence's first word: places, firms, people. */
  names: Set<string>;
  /** Reported figures: amounts, percentages, counts of 10 or more (years included). */
  figures: Set<string>;
  /** Milliseconds since the epoch. */
  time: number;
}

/** How much of a summary is read: the lede carries the event; later sentences add context. */
const SUMMARY_CHARS = 600;

// Function words and newsroom filler that say nothing about which event is reported.
const STOP_WORDS = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being ' +
    'below between both but by can could did do does doing down during each few for from further had has ' +
    'have having he her here hers him his how i if in into is it its itself just least less made make ' +
    'makes many may me might more most much must my new no nor not now of off on once one only or other ' +
    'our out over own per said same say says she should since so some such than that the their them then ' +
    'there these they this those through to too under until up upon us very was we were what when where ' +
    'which while who whom why will with within would yet you your ' +
    'monday tuesday wednesday thursday friday saturday sunday today yesterday week weeks day days year ' +
    'years month months early late next last first two three four five six seven eight nine ten ' +
    'about around some nearly almost people percent point points'
  ).split(' '),
);

const UNIT_WORDS: Record<string, string> = {
  percent: '%',
  'per cent': '%',
  '%': '%',
  million: 'm',
  m: 'm',
  mn: 'm',
  billion: 'bn',
  bn: 'bn',
  b: 'bn',
  trillion: 'tn',
  tn: 'tn',
  gw: 'gw',
  gigawatt: 'gw',
  gigawatts: 'gw',
  mw: 'mw',
  megawatt: 'mw',
  megawatts: 'mw',
  km: 'km',
  kilometre: 'km',
  kilometres: 'km',
  kilometer: 'km',
  kilometers: 'km',
};

const FIGURE =
  /(\d+(?:[.,]\d+)*)(?:\s*-\s*|\s*)(per cent|percent|%|million|billion|trillion|mn|bn|tn|gigawatts?|megawatts?|kilomet(?:re|er)s?|gw|mw|km|m|b)?(?![\p{L}\d])/giu;

/** Figures in `text`, normalised: "$4.8 billion" → "4.8bn", "2,000" → "2000", "3.5 percent" → "3.5%". */
export function extractFigures(text: string): Set<string> {
  const out = new Set<string>();
  for (const match of text.matchAll(FIGURE)) {
    const raw = match[1] ?? '';
    // A comma between groups of three digits is a thousands separator; otherwise a decimal mark.
    const number = /^\d{1,3}(,\d{3})+$/.test(raw) ? raw.replaceAll(',', '') : raw.replace(',', '.');
    const unit = match[2] ? (UNIT_WORDS[match[2].toLowerCase()] ?? '') : '';
    const value = Number(number);
    if (!Number.isFinite(value)) continue;
    // Small bare counts ("6 minutes", "three") are too common to tell events apart.
    if (!unit && value < 10 && !number.includes('.')) continue;
    out.add(`${String(value)}${unit}`);
  }
  return out;
}

/** A light stem: enough to make "floods", "flooded" and "flooding" one term, and "Valdorian" meet "Valdoria". */
export function stem(word: string): string {
  let w = word.toLowerCase();
  if (w.endsWith("'s") || w.endsWith('’s')) w = w.slice(0, -2);
  if (w.length > 6 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us')) w = w.slice(0, -1);
  if (w.length > 6 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 5 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 6 && w.endsWith('ian')) w = w.slice(0, -1);
  else if (w.length > 5 && w.endsWith('an') && !w.endsWith('ean')) w = w.slice(0, -1);
  return w.length > 7 ? w.slice(0, 7) : w;
}

const WORD = /[\p{L}][\p{L}\p{N}'’-]*|\d+(?:[.,]\d+)*/gu;

/** The words of `text`, each with whether it starts a sentence (its capital then says nothing). */
function words(text: string): { word: string; sentenceStart: boolean }[] {
  const out: { word: string; sentenceStart: boolean }[] = [];
  let last = 0;
  let start = true;
  for (const match of text.matchAll(WORD)) {
    const between = text.slice(last, match.index);
    if (/[.!?:;]\s*$/.test(between) || /["“‘(]\s*$/.test(between)) start = true;
    out.push({ word: match[0], sentenceStart: start || out.length === 0 });
    start = false;
    last = (match.index ?? 0) + match[0].length;
  }
  return out;
}

/** The content terms of `text`: stems of words that are not stop words, split at hyphens too. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const { word } of words(text)) {
    for (const part of word.split(/[-'’]/)) {
      if (part.length < 2 || /^\d/.test(part)) continue;
      const lower = part.toLowerCase();
      if (STOP_WORDS.has(lower)) continue;
      out.push(stem(lower));
    }
  }
  return out;
}

/** Stems of capitalised words that do not begin a sentence (and are not stop words). */
export function names(text: string): Set<string> {
  const out = new Set<string>();
  for (const { word, sentenceStart } of words(text)) {
    if (sentenceStart || !/^\p{Lu}/u.test(word) || word.length < 3) continue;
    const lower = word.toLowerCase();
    if (STOP_WORDS.has(lower)) continue;
    out.add(stem(lower.split(/[-'’]/)[0] ?? lower));
  }
  return out;
}

/** The features of one item. */
export function storyFeatures(text: StoryText): StoryFeatures {
  const summary = text.summary.slice(0, SUMMARY_CHARS);
  const weights = new Map<string, number>();
  for (const term of terms(text.title)) weights.set(term, (weights.get(term) ?? 0) + 2);
  for (const term of terms(summary)) weights.set(term, (weights.get(term) ?? 0) + 1);
  const figures = extractFigures(`${text.title} ${summary}`);
  for (const figure of figures) weights.set(`#${figure}`, (weights.get(`#${figure}`) ?? 0) + 1);
  // A headline is often in title case, so only the summary's capitals are read as names,
  // plus headline words that the summary also capitalises.
  const found = names(summary);
  return { terms: weights, names: found, figures, time: Date.parse(text.publishedAt) };
}
