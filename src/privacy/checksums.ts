// Check digits of the identifiers the redaction rules look for. A pattern alone would flag every order number of the
// right length; the check digit turns "looks like a card number" into "is a card number" for 9 in 10 (Luhn), 96 in
// 97 (IBAN, French NIR) or 22 in 23 (Spanish DNI) random digit strings.

/**
 * The Luhn (mod 10) check used by payment cards and Canadian SINs, over the digits of `digits`: separators (spaces,
 * dashes) are skipped, so that a grouped number is checked without a copy of its digits (the rules check one candidate
 * per run of digit groups), between `start` and `end` when given. At least one digit is needed.
 *
 * @example
 * luhnValid('4539148803436467'); // true
 * luhnValid('4539 1488 0343 6467'); // true
 */
export function luhnValid(digits: string, start = 0, end = digits.length): boolean {
  let sum = 0;
  let double = false;
  let count = 0;
  for (let index = end - 1; index >= start; index--) {
    let digit = digits.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) continue;
    count++;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return count > 0 && sum % 10 === 0;
}

/** `numeric` (digits only, any length) modulo `divisor`, without BigInt. */
export function mod(numeric: string, divisor: number): number {
  let remainder = 0;
  for (let index = 0; index < numeric.length; index++)
    remainder = (remainder * 10 + (numeric.charCodeAt(index) - 48)) % divisor;
  return remainder;
}

/** IBAN lengths per country (ISO 13616 registry), so that a checksum is only tried on a candidate of the right size. */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MR: 27,
  MT: 31,
  MU: 30,
  NL: 18,
  NO: 15,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  SA: 24,
  SC: 31,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
};

/**
 * ISO 13616 mod-97 check of a compact, upper-case IBAN.
 *
 * @example
 * ibanValid('DE89370400440532013000'); // true
 */
export function ibanValid(compact: string): boolean {
  if (IBAN_LENGTHS[compact.slice(0, 2)] !== compact.length) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let numeric = '';
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    if (code >= 48 && code <= 57) numeric += char;
    else if (code >= 65 && code <= 90) numeric += String(code - 55);
    else return false;
  }
  return mod(numeric, 97) === 1;
}

const VERHOEFF_MULTIPLY = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_PERMUTE = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/** The Verhoeff check used by India's Aadhaar numbers, over the digits of `digits` (separators skipped, as in luhnValid). */
export function verhoeffValid(digits: string): boolean {
  let check = 0;
  let position = 0;
  for (let index = digits.length - 1; index >= 0; index--) {
    const digit = digits.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) continue;
    check = VERHOEFF_MULTIPLY[check]![VERHOEFF_PERMUTE[position % 8]![digit]!]!;
    position++;
  }
  return check === 0;
}

/** France's NIR (numéro de sécurité sociale): 13 digits and a key of 97 minus their remainder (Corsica's 2A/2B count as 19/18). */
export function frenchNirValid(compact: string): boolean {
  const body = compact
    .slice(0, 13)
    .replace(/^(\d{5})2A/, '$119')
    .replace(/^(\d{5})2B/, '$118');
  if (!/^\d{13}$/.test(body)) return false;
  return 97 - mod(body, 97) === Number(compact.slice(13));
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Spain's DNI (8 digits and a letter) and NIE (X/Y/Z, 7 digits, a letter): the letter is the number mod 23. */
export function spanishIdValid(compact: string): boolean {
  const number = compact.slice(0, -1).replace(/^X/, '0').replace(/^Y/, '1').replace(/^Z/, '2');
  if (!/^\d{8}$/.test(number)) return false;
  return DNI_LETTERS[mod(number, 23)] === compact.slice(-1);
}

// Values of the characters in odd positions (1st, 3rd, ...) of an Italian codice fiscale, digits and letters alike.
const FISCAL_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];

/** Italy's codice fiscale: the 16th character is a check letter over the first 15. */
export function italianFiscalCodeValid(code: string): boolean {
  let sum = 0;
  for (let index = 0; index < 15; index++) {
    const char = code.charCodeAt(index);
    const value = char >= 48 && char <= 57 ? char - 48 : char - 65;
    sum += index % 2 === 0 ? FISCAL_ODD[value]! : value;
  }
  return String.fromCharCode(65 + (sum % 26)) === code[15];
}

/** Brazil's CPF: two mod-11 check digits; numbers of one repeated digit are invalid. */
export function brazilianCpfValid(digits: string): boolean {
  if (!/^\d{11}$/.test(digits) || /^(\d)\1{10}$/.test(digits)) return false;
  for (const length of [9, 10]) {
    let sum = 0;
    for (let index = 0; index < length; index++) sum += (digits.charCodeAt(index) - 48) * (length + 1 - index);
    const check = ((sum * 10) % 11) % 10;
    if (check !== digits.charCodeAt(length) - 48) return false;
  }
  return true;
}
