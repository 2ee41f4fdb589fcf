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
/**
 * Two letters then two digits, the start of an IBAN (anchored on the digits: a letter class would test every word;
 * the look-behind after both digits, so that a lone digit, as in `1:1:1:`, fails before it).
 */
export const IBAN_START: Clue = 2;
/** A digit, a dot and a digit: an IPv4 address holds three. */
export const DIGIT_DOT_DIGIT: Clue = 4;
/**
 * `::`, or a colon after a group of one to four hexadecimal digits that starts a run (no word character, `:` or `.`
 * before it) and before a hexadecimal digit or a colon: the start of every IPv6 address (JSON's `"key":"value"` has
 * none, nor a replacement label, `[REDACTED:card]`, whose colon would otherwise make the IP rule scan every text
 * that an earlier rule redacted).
 */
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
  [IBAN_START, /\d\d(?<=[A-Za-z]{2}\d\d)/iy],
  [DIGIT_DOT_DIGIT, /\d\.\d/iy],
  [HEX_COLON, /:(?=[0-9A-Fa-f:])(?:(?<=(?:^|[^\w:.])[0-9A-Fa-f]{1,4}:)|(?=:))/iy],
  // The credential rule's names all end in one of these words, followed by `\s{0,16}(?:["']\s{0,16})?[:=]`: the
  // clue leaves the gaps unbounded (a wider net), and never splits a run of spaces two ways. The one-character
  // look-behind first (a space, a quote or a letter) refuses most other colons at once: text dense with `:` (1 MB of
  // "1:") cost five times as much without it. (A class of only the words' last letters was slower in V8.)
  [
    SECRET_ASSIGNMENT,
    /[:=](?<=[\sa-z"'][:=])(?<=(?:password|passwd|passphrase|pwd|secret|key|token|sig|signature|credentials?)\s*(?:["']\s*)?[:=])/iy,
  ],
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
    pass = anyClueOf[missing] = {
      pattern: new RegExp(wanted.map(([, at]) => `(${at.source})`).join('|'), 'gi'),
      clues: wanted.map(([clue]) => clue),
    };
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
  /**
   * Per shared anchor table (by its id, see containsAny), the literal sets found in the text, each set's bit shifted
   * up by one, with bit 0 saying the table was walked. An array made on first use: most texts never ask.
   */
  private literalSets: number[] | undefined;

  constructor(text: string) {
    this.text = text;
  }

  has(clue: Clue): boolean {
    if (this.found < 0) this.found = findClues(this.text);
    return (this.found & clue) !== 0;
  }

  /** The sets of `table` whose literals the text holds (a bit each), from one walk over the anchor's occurrences. */
  literalsOf(table: AnchorTable): number {
    const known = (this.literalSets ??= [])[table.id];
    if (known !== undefined) return known >>> 1;
    const found = findLiterals(table, this.text);
    this.literalSets[table.id] = (found << 1) | 1;
    return found;
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

/** A literal, where its anchor stands in it, and the set it belongs to (a bit). */
interface AnchoredLiteral {
  literal: string;
  offset: number;
  set: number;
}

/** Character codes below this are looked up in an array; the rest (rare in the literals) in a map. */
const TABLE_CODES = 128;

/** Literals around one anchor, indexed by the character next to it (before it, or after it for a literal starting with it). */
class AnchorTable {
  readonly anchor: string;
  /** Its index among the shared tables (-1 for a table of one test's own). */
  readonly id: number;
  /** How many sets there are; their bits are 1, 2, 4… */
  sets = 0;
  /** Every set's bit. */
  all = 0;
  /** Each set's literals as one pattern, by set number, for text dense with the anchor (see findLiterals). */
  readonly patterns: RegExp[] = [];
  /** The sets that are the anchor alone: found wherever it is. */
  alone = 0;
  private readonly before: (AnchoredLiteral[] | undefined)[] = new Array<AnchoredLiteral[] | undefined>(
    TABLE_CODES,
  ).fill(undefined);
  private readonly after: (AnchoredLiteral[] | undefined)[] = new Array<AnchoredLiteral[] | undefined>(
    TABLE_CODES,
  ).fill(undefined);
  private readonly beforeOther = new Map<number, AnchoredLiteral[]>();
  private readonly afterOther = new Map<number, AnchoredLiteral[]>();

  constructor(anchor: string, id: number) {
    if (anchor.length !== 1) throw new Error(`the anchor "${anchor}" is not one character`);
    this.anchor = anchor;
    this.id = id;
  }

  /** Adds a set of literals and returns its bit. */
  add(literals: readonly string[]): number {
    // Bits are combined with `|` and `&`, which work on 31 bits, and kept shifted by one in TextClues.
    if (this.sets === 30) throw new Error(`too many sets of literals for the anchor "${this.anchor}"`);
    const set = 2 ** this.sets++;
    this.all |= set;
    this.patterns.push(
      new RegExp(literals.map((literal) => literal.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')),
    );
    for (const literal of literals) {
      const offset = literal.indexOf(this.anchor);
      if (offset < 0) throw new Error(`"${literal}" does not hold the anchor "${this.anchor}"`);
      if (literal.length === 1) this.alone |= set;
      else if (offset > 0)
        this.put(this.before, this.beforeOther, literal.charCodeAt(offset - 1), { literal, offset, set });
      else this.put(this.after, this.afterOther, literal.charCodeAt(1), { literal, offset, set });
    }
    return set;
  }

  literalsBefore(code: number): AnchoredLiteral[] | undefined {
    return code < TABLE_CODES ? this.before[code] : this.beforeOther.get(code);
  }

  literalsAfter(code: number): AnchoredLiteral[] | undefined {
    return code < TABLE_CODES ? this.after[code] : this.afterOther.get(code);
  }

  private put(
    table: (AnchoredLiteral[] | undefined)[],
    other: Map<number, AnchoredLiteral[]>,
    code: number,
    entry: AnchoredLiteral,
  ): void {
    if (code < TABLE_CODES) (table[code] ??= []).push(entry);
    else other.set(code, [...(other.get(code) ?? []), entry]);
  }
}

/**
 * The sets of `table` found in `text`: a search for the anchor (a character rarer in prose than the literals' first
 * ones) and, at each occurrence, a comparison of only the literals whose character next to the anchor is the text's,
 * of the sets not found yet. A constant cost per occurrence however many literals there are; it stops when every set
 * is found.
 */
/** How far past an occurrence of the anchor findLiterals compares characters before it searches. */
const NEAR = 8;
/**
 * Occurrences of the anchor after which the literals are searched by the engine instead: over text dense with the
 * anchor (1 MB of "1//"), a pattern of a few literals skips ahead on their later characters and costs a tenth of a
 * walk that stops at every occurrence (and the walk is cheaper on the sparse anchors of ordinary text).
 */
const DENSE = 64;

/** The sets not in `found` that `text` holds, each searched by its pattern (linear: alternatives of plain literals). */
function findByPatterns(table: AnchorTable, text: string, found: number): number {
  for (let number = 0; number < table.sets; number++) {
    const set = 2 ** number;
    if ((found & set) === 0 && table.patterns[number]!.test(text)) found |= set;
  }
  return found;
}

function findLiterals(table: AnchorTable, text: string): number {
  let index = text.indexOf(table.anchor);
  if (index === -1) return 0;
  const all = table.all;
  const anchor = table.anchor.charCodeAt(0);
  let found = table.alone;
  let occurrences = 0;
  // NaN before the text's start and past its end: no literal is looked up there.
  while (index !== -1 && found !== all) {
    if (++occurrences > DENSE) return findByPatterns(table, text, found);
    found = matchesAt(text, index, table.literalsBefore(text.charCodeAt(index - 1)), found);
    found = matchesAt(text, index, table.literalsAfter(text.charCodeAt(index + 1)), found);
    // The next occurrence: the next few characters compared here, then a search from there. Text dense with the
    // anchor (1 MB of "1//") made a search call per occurrence, which costs more than comparing a few characters.
    const near = Math.min(index + NEAR, text.length);
    let next = index + 1;
    while (next < near && text.charCodeAt(next) !== anchor) next++;
    index = next < near ? next : text.indexOf(table.anchor, near);
  }
  return found;
}

function matchesAt(
  text: string,
  index: number,
  candidates: readonly AnchoredLiteral[] | undefined,
  found: number,
): number {
  if (candidates === undefined) return found;
  for (const { literal, offset, set } of candidates) {
    if ((found & set) !== 0) continue;
    const start = index - offset;
    if (start >= 0 && startsAt(text, literal, start)) found |= set;
  }
  return found;
}

/** `text.startsWith(literal, start)` compared here: a call per occurrence of the anchor cost more than these few characters. */
function startsAt(text: string, literal: string, start: number): boolean {
  if (start + literal.length > text.length) return false;
  for (let index = 0; index < literal.length; index++)
    if (text.charCodeAt(start + index) !== literal.charCodeAt(index)) return false;
  return true;
}

/**
 * The tables every rule's literals share, by anchor: the rules of one text ask for their literals through its
 * TextClues, and all the sets of one anchor are found in a single walk over its occurrences (text dense with `-` was
 * walked once for each of three rules).
 */
const sharedTables = new Map<string, AnchorTable>();

/**
 * A test for whether `text` contains any of `literals`, each holding `anchor` (see findLiterals): the same answer as
 * `literals.some((literal) => text.includes(literal))`, several times faster for short literals, and a constant cost
 * per occurrence of the anchor however many literals there are (text made of the anchor stays linear and cheap).
 * Given the text's clues, the answer comes from the walk shared by every test of that anchor.
 *
 * @example
 * const hasJwt = containsAny('J', ['eyJ']);
 * hasJwt('token eyJhbGciOi'); // true
 */
export function containsAny(anchor: string, literals: readonly string[]): (text: string, clues?: TextClues) => boolean {
  const own = new AnchorTable(anchor, -1);
  own.add(literals);
  let shared = sharedTables.get(anchor);
  if (shared === undefined) sharedTables.set(anchor, (shared = new AnchorTable(anchor, sharedTables.size)));
  const table = shared;
  const set = table.add(literals);
  return (text, clues) => (clues === undefined ? findLiterals(own, text) !== 0 : (clues.literalsOf(table) & set) !== 0);
}
