import { IBAN_LENGTHS, ibanValid, luhnValid } from '../checksums.ts';
import { IBAN_START } from './clues.ts';
import { hasDenseDigits, when, type DetectionRule } from './rule.ts';

// Payment cards and bank accounts, confirmed by their check digits.

/**
 * A payment card number: 13 to 19 digits, a card network's first digit and a valid Luhn check. Grouped numbers are
 * written in groups of 3 to 6 (4-4-4-4, Amex 4-6-5), not digit by digit. `start` and `end` bound the candidate in
 * `text`: the rule checks each candidate where it stands, with no copy (runs of digit groups make one candidate
 * every few groups: 50,000 in 1 MB).
 */
export function isCardNumber(text: string, start = 0, end = text.length): boolean {
  let digits = 0;
  let first = 0;
  let groupStart = start;
  let separated = false;
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code === 32 || code === 45) {
      // ' ' or '-' ends a group: a short one (or nothing before the first separator) refuses the candidate.
      if (index - groupStart < 3) return false;
      separated = true;
      groupStart = index + 1;
    } else if (code >= 48 && code <= 57) {
      if (digits++ === 0) first = code;
    }
  }
  if (separated && end - groupStart < 3) return false;
  // '2' to '6' first.
  return digits >= 13 && digits <= 19 && first >= 50 && first <= 54 && luhnValid(text, start, end);
}

export const CARD: DetectionRule = {
  name: 'card',
  mayMatch: hasDenseDigits,
  pattern: /\d(?<![\w.+-]\d)(?:[ -]?\d){12,18}(?!\w)/g, // the look-behind after the digit: see national-ids.ts
  locate: when((match) => isCardNumber(match.input, match.index, match.index + match[0].length)),
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
