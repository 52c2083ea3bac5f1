/**
 * Orders two strings by their UTF-16 code units, as `<` does: for the ids, ISO dates and
 * timestamps the core sorts, one fixed order on every machine. `localeCompare` would follow the
 * runtime's locale and load ICU's collator on its first call (about 10 ms of a function's cold
 * start).
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
