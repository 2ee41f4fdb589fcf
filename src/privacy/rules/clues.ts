// Cheap tests that say a rule cannot match, so that its pattern never runs over text that holds nothing for it.
//
// Every clue is a necessary condition: a rule whose clue is absent from a text finds nothing to replace in it. Scans
// with a character class cost about the same per character whatever they look for, so the clues that need one are
// found together in a single pass (TextClues); the clues that are literals are found by searching for one of their
// rarer characters, which the engine does at memchr speed.

/** A clue found by the single pass of TextClues. */
export type Clue = number;

/**
 * Six digits, each within two characters of the one before: every digit rule needs at least that (a telephone number
 * eight, a UK National Insurance number six, each with at most two separators between digits: `) `, ` (`, `2A `).
 */
export const DENSE_DIGITS: Clue = 1;
/** Two letters then two digits, the start of an IBAN (anchored on the digit: a letter class would test every word). */
export const IBAN_START: Clue = 2;
/** A digit, a dot and a digit: an IPv4 address holds three. */
export const DIGIT_DOT_DIGIT: Clue = 4;
/** `::` or a hexadecimal digit on both sides of a colon: an IPv6 address holds one (JSON's `"key":"value"` does not). */
export const HEX_COLON: Clue = 8;
/**
 * A word a secret is named by (`password`, `api_key`, `token`, `sig`…) before `:` or `=`, as the credential rule
 * requires (its flag form, `--password value`, has a clue of its own: `--`).
 */
export const SECRET_ASSIGNMENT: Clue = 16;
/** The words of an HTTP authorisation scheme (`Bearer`, `Basic`, `Token`). */
export const AUTH_SCHEME: Clue = 32;

/**
 * Each clue as a pattern found at a given position. All are case-insensitive (the credential and scheme rules are),
 * which changes nothing for the others: digits, punctuation and `[A-Za-z]`-style classes are closed under case.
 */
const CLUE_PATTERNS: readonly (readonly [Clue, RegExp])[] = [
  // The look-aheads only fail early where most digits and colons stand (a lone number, JSON's `":`).
  [DENSE_DIGITS, /\d(?=\D{0,2}\d)(?:\D{0,2}\d){5}/iy],
  [IBAN_START, /\d(?<=[A-Za-z]{2}\d)\d/iy],
  [DIGIT_DOT_DIGIT, /\d\.\d/iy],
  [HEX_COLON, /:(?=[0-9A-Fa-f:])(?:(?<=[0-9A-Fa-f]:)|(?=:))/iy],
  // The credential rule's names all end in one of these words, followed by `\s{0,16}(?:["']\s{0,16})?[:=]`: the
  // clue leaves the gaps unbounded (a wider net), and never splits a run of spaces two ways.
  [SECRET_ASSIGNMENT, /[:=](?<=(?:password|passwd|passphrase|pwd|secret|key|token|sig|signature|credentials?)\s*(?:["']\s*)?[:=])/iy],
  // Anchored on the rarer letter of each word.
  [AUTH_SCHEME, /b(?:earer|asic)|k(?<=tok)en/iy],
];
/**
 * The clues not yet found (a bit mask) as one pattern: the same alternatives, each in a capture group that says which
 * one stopped it. Made on first use; there are 2^6 at most.
 */
interface CluePass {
  pattern: RegExp;
  /** The clue of each capture group, in order. */
  clues: Clue[];
}
const anyClueOf: CluePass[] = [];
function anyClue(missing: number): CluePass {
  let pass = anyClueOf[missing];
  if (pass === undefined) {
    const wanted = CLUE_PATTERNS.filter(([clue]) => (missing & clue) !== 0);
    pass = anyClueOf[missing] = { pattern: new RegExp(wanted.map(([, at]) => `(${at.source})`).join('|'), 'gi'), clues: wanted.map(([clue]) => clue) };
  }
  return pass;
}
const ALL_CLUES = CLUE_PATTERNS.reduce((all, [clue]) => all | clue, 0);

/**
 * The clues of one text, found on first use, in one pass over it.
 *
 * @example
 * new TextClues('call 415 555 0132').has(DENSE_DIGITS); // true
 */
export class TextClues {
  private readonly text: string;
  private found = -1;

  constructor(text: string) {
    this.text = text;
  }

  has(clue: Clue): boolean {
    if (this.found < 0) this.found = findClues(this.text);
    return (this.found & clue) !== 0;
  }
}

/**
 * Where the pattern of the missing clues stops, its capture group says which clue it found; the pattern of the clues
 * still missing then starts again at the same position (alternatives can hide each other there). Each clue is found
 * once, so this runs a pattern at most once per clue, plus once to the end: one pass over the text, with no work per
 * stop outside the engine.
 */
function findClues(text: string): number {
  let found = 0;
  let from = 0;
  while (found !== ALL_CLUES) {
    const { pattern, clues } = anyClue(ALL_CLUES & ~found);
    pattern.lastIndex = from;
    const match = pattern.exec(text);
    if (match === null) break;
    for (let group = 1; group < match.length; group++) {
      if (match[group] !== undefined) {
        found |= clues[group - 1]!;
        break;
      }
    }
    from = match.index;
  }
  return found;
}

/** A literal and where its anchor stands in it. */
interface AnchoredLiteral {
  literal: string;
  offset: number;
}

/**
 * A test for whether `text` contains any of `literals`, each holding `anchor`: it searches for `anchor` (a character
 * rarer in prose than the literals' first ones) and, at each occurrence, compares only the literals whose character
 * next to the anchor (the one before it, or after it for a literal that starts with it) is the text's. The same
 * answer as `literals.some((literal) => text.includes(literal))`, several times faster for short literals, and a
 * constant cost per occurrence however many literals there are (text made of the anchor stays linear and cheap).
 *
 * @example
 * const hasJwt = containsAny('J', ['eyJ']);
 * hasJwt('token eyJhbGciOi'); // true
 */
export function containsAny(anchor: string, literals: readonly string[]): (text: string) => boolean {
  const before = new Map<number, AnchoredLiteral[]>();
  const after = new Map<number, AnchoredLiteral[]>();
  /** Literals that are the anchor alone: found wherever it is. */
  let anchorAlone = false;
  for (const literal of literals) {
    const offset = literal.indexOf(anchor);
    if (anchor.length !== 1 || offset < 0) throw new Error(`"${literal}" does not hold the anchor "${anchor}"`);
    if (literal.length === 1) anchorAlone = true;
    else if (offset > 0) before.set(literal.charCodeAt(offset - 1), [...(before.get(literal.charCodeAt(offset - 1)) ?? []), { literal, offset }]);
    else after.set(literal.charCodeAt(1), [...(after.get(literal.charCodeAt(1)) ?? []), { literal, offset }]);
  }
  const matchesAt = (text: string, index: number, candidates: readonly AnchoredLiteral[] | undefined): boolean => {
    if (candidates === undefined) return false;
    for (const { literal, offset } of candidates) {
      const start = index - offset;
      if (start >= 0 && text.startsWith(literal, start)) return true;
    }
    return false;
  };
  return (text) => {
    const first = text.indexOf(anchor);
    if (first === -1) return false;
    if (anchorAlone) return true;
    for (let index = first; index !== -1; index = text.indexOf(anchor, index + 1)) {
      if (matchesAt(text, index, before.get(text.charCodeAt(index - 1))) || matchesAt(text, index, after.get(text.charCodeAt(index + 1)))) return true;
    }
    return false;
  };
}
