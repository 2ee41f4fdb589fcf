import { IBAN_LENGTHS, ibanValid, luhnValid } from '../checksums.ts';
import { IBAN_START } from './clues.ts';
import { countDigits, hasDenseDigits, when, type DetectionRule } from './rule.ts';

// Payment cards and bank accounts, confirmed by their check digits.

/** A payment card number: 13 to 19 digits, a card network's first digit and a valid Luhn check. */
export function isCardNumber(candidate: string): boolean {
  // Grouped numbers are written in groups of 3 to 6 (4-4-4-4, Amex 4-6-5), not digit by digit: checked first, as
  // it needs no copy of the digits (runs of short digit groups make many candidates). Nothing below copies them either.
  if (hasShortGroup(candidate)) return false;
  const digits = countDigits(candidate);
  if (digits < 13 || digits > 19) return false;
  const first = firstDigit(candidate);
  return first >= 50 && first <= 54 && luhnValid(candidate); // '2' to '6'
}

/** The character code of the first digit of `text` (NaN when there is none). */
function firstDigit(text: string): number {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 48 && code <= 57) return code;
  }
  return Number.NaN;
}

/** Whether a group between spaces or dashes (or the text's ends) holds fewer than 3 characters, in a text with a separator. */
function hasShortGroup(candidate: string): boolean {
  let groupStart = 0;
  let separated = false;
  for (let index = 0; index <= candidate.length; index++) {
    const char = candidate[index];
    if (index < candidate.length && char !== ' ' && char !== '-') continue;
    if (index < candidate.length) separated = true;
    if (index - groupStart < 3 && (separated || index < candidate.length)) return true;
    groupStart = index + 1;
  }
  return false;
}

export const CARD: DetectionRule = {
  name: 'card',
  mayMatch: hasDenseDigits,
  pattern: /(?<![\w.+-])\d(?:[ -]?\d){12,18}(?!\w)/g,
  locate: when((match) => isCardNumber(match[0])),
};

export const IBAN: DetectionRule = {
  name: 'iban',
  mayMatch: (_text, clues) => clues.has(IBAN_START),
  // Upper or lower case (people type both); the country's length and the mod-97 check decide.
  pattern: /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}/g,
  locate(match, text) {
    // The run may continue into the next words (a BIC): take exactly as many characters as the country's IBAN has.
    const length = IBAN_LENGTHS[match[0].slice(0, 2).toUpperCase()];
    if (length === undefined) return undefined;
    let compact = '';
    let end = match.index;
    while (compact.length < length && end < match.index + match[0].length) {
      const char = text[end]!;
      if (char !== ' ') compact += char;
      end++;
    }
    if (compact.length !== length || /[A-Za-z0-9]/.test(text[end] ?? '')) return undefined;
    return ibanValid(compact.toUpperCase()) ? [match.index, end] : undefined;
  },
};
