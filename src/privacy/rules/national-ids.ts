import {
  brazilianCpfValid,
  frenchNirValid,
  italianFiscalCodeValid,
  luhnValid,
  spanishIdValid,
  verhoeffValid,
} from '../checksums.ts';
import { hasDenseDigits, digitsOf, textBefore, when, type DetectionRule } from './rule.ts';

// National identifiers of the common formats, confirmed by their check digits or by the word that names them.
//
// The patterns that start with a digit test the character before it after matching it (`\d(?<![\w-]\d)`), not
// before (`(?<![\w-])\d`): the same matches, but the engine then skips the positions where no digit stands instead of
// testing a look-behind at each (in 1 MB of digit groups or of `1:`, a few milliseconds per rule).

const SSN_CONTEXT = /\b(?:ssn|social security(?: number| no\.?)?)\W{0,4}(?:is\s+)?$/i;

export const US_SSN: DetectionRule = {
  name: 'us_ssn',
  mayMatch: hasDenseDigits,
  // Dashed or spaced (never 000, 666 or 9xx first, 00 middle, 0000 last); nine bare digits only right after "SSN". The
  // first group is checked from its first digit, already matched (a look-ahead inside the look-behind).
  pattern: /\d(?<![\w-]\d)(?:(?<=(?!000|666|9\d\d)\d)\d{2}([- ])(?!00)\d{2}\1(?!0000)\d{4}|\d{8})(?![\w-])/g,
  locate: when((match, text) => match[1] !== undefined || SSN_CONTEXT.test(textBefore(text, match.index, 30))),
};

export const UK_NINO: DetectionRule = {
  name: 'uk_nino',
  mayMatch: hasDenseDigits,
  pattern:
    /(?<![A-Za-z0-9])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])/g,
};

/** Nine Luhn-valid digits are common (French SIREN company numbers): a SIN is only taken as one where it is named. */
const SIN_CONTEXT = /\b(?:SIN|social insurance|NAS|assurance sociale)\b[^\d\n"]{0,25}$/i;

export const CA_SIN: DetectionRule = {
  name: 'ca_sin',
  mayMatch: hasDenseDigits,
  pattern: /[1-79](?<![\w-][1-79])\d{2}([ -]?)\d{3}\1\d{3}(?![\w-])/g,
  locate: when((match, text) => luhnValid(match[0]) && SIN_CONTEXT.test(textBefore(text, match.index))),
};

export const FR_NIR: DetectionRule = {
  name: 'fr_nir',
  mayMatch: hasDenseDigits,
  pattern: /(?<![\w-])[12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}(?![\w-])/g,
  locate: when((match) => frenchNirValid(match[0].replace(/ /g, ''))),
};

export const ES_DNI: DetectionRule = {
  name: 'es_dni',
  mayMatch: hasDenseDigits,
  pattern: /(?:\d(?<![\w-]\d)\d{7}|[XYZ](?<![\w-][XYZ])-?\d{7})-?[A-Z](?![\w-])/g,
  locate: when((match) => spanishIdValid(match[0].replace(/-/g, ''))),
};

export const IT_FISCAL_CODE: DetectionRule = {
  name: 'it_fiscal_code',
  mayMatch: hasDenseDigits,
  pattern: /(?<![A-Za-z0-9])[A-Z]{6}\d{2}[ABCDEHLMPRST]\d{2}[A-Z]\d{3}[A-Z](?![A-Za-z0-9])/g,
  locate: when((match) => italianFiscalCodeValid(match[0])),
};

export const IN_AADHAAR: DetectionRule = {
  name: 'in_aadhaar',
  mayMatch: hasDenseDigits,
  pattern: /[2-9](?<![\w-][2-9])\d{3}([ -]?)\d{4}\1\d{4}(?![\w-])/g,
  locate: when((match) => verhoeffValid(match[0])),
};

export const BR_CPF: DetectionRule = {
  name: 'br_cpf',
  mayMatch: hasDenseDigits,
  pattern: /(?<![\w.-])\d{3}\.\d{3}\.\d{3}-\d{2}(?![\w-])/g,
  locate: when((match) => brazilianCpfValid(digitsOf(match[0]))),
};
