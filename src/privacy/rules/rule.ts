import { DENSE_DIGITS, type TextClues } from './clues.ts';

/**
 * One kind of personal data or secret found in free text. Every pattern starts with a look-behind that refuses to
 * begin inside a word, so that a scan is linear in the text, and most end with one that refuses to stop inside a word.
 */
export interface DetectionRule {
  name: string;
  /**
   * A cheap test that must pass before the pattern runs (most strings hold no run of digits, no `@`, no key prefix):
   * false only where the rule would find nothing to replace. `clues` are found once per text for all rules.
   */
  mayMatch(text: string, clues: TextClues): boolean;
  /** A global pattern finding candidates. */
  pattern: RegExp;
  /**
   * The part of a candidate to replace, as [start, end) offsets in `text`, or undefined to keep it (a failed check
   * digit, a version string). The whole candidate when absent.
   */
  locate?(match: RegExpExecArray, text: string): readonly [number, number] | undefined;
}

export const whole = (match: RegExpExecArray): readonly [number, number] => [
  match.index,
  match.index + match[0].length,
];
export const digitsOf = (text: string): string => text.replace(/\D/g, '');
/**
 * How many digits `text` holds, without making a string: rules call it for every candidate of a run of digit groups.
 * Counting stops at `atMost` (a candidate may be a whole megabyte of digit groups when only "eight or more?" is asked).
 */
export function countDigits(text: string, atMost = Infinity): number {
  let count = 0;
  for (let index = 0; index < text.length && count < atMost; index++) {
    const code = text.charCodeAt(index);
    if (code >= 48 && code <= 57) count++;
  }
  return count;
}
/** For the rules that find digits: six digits close together (see DENSE_DIGITS). */
export const hasDenseDigits = (_text: string, clues: TextClues): boolean => clues.has(DENSE_DIGITS);
/** A token that looks machine-made: a digit, or upper and lower case, so that "Basic internationalization" stays. */
export const looksGenerated = (token: string): boolean =>
  /\d/.test(token) || (/[a-z]/.test(token) && /[A-Z]/.test(token));
/** Replaces the whole candidate when `accept` says so. */
export const when =
  (accept: (match: RegExpExecArray, text: string) => boolean) => (match: RegExpExecArray, text: string) =>
    accept(match, text) ? whole(match) : undefined;
/** The text just before a match, where the words that give it a meaning ("SSN", "call me at", "version") stand. */
export const textBefore = (text: string, index: number, length = 40): string =>
  text.slice(Math.max(0, index - length), index);

/** Dotted numbers after these words are versions or section numbers: neither addresses nor telephone numbers. */
export const VERSION_CONTEXT =
  /(?:\b(?:version|ver\.?|release|build|v|section|chapter|clause|figure|table|oid)|§)\s*[:=]?\s*$/i;
