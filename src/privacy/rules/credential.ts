import { SECRET_ASSIGNMENT } from './clues.ts';
import { looksGenerated, textBefore, type DetectionRule } from './rule.ts';

// Secrets named by their key: `password=…`, `"api_key": "…"`, `db_password: correct horse battery staple`,
// `--db-password …` on a command line, `X-Amz-Signature=…` and `sig=…` in signed URLs, `"SecretAccessKey": "…"` in
// AWS credentials. What a value looks like decides little here (a password can be any word); the key decides, and
// the checks below keep placeholders and code (`const pwd = readPassword();`) out.

/**
 * The last word of a secret's key, in any case; the words before it are free (`db_password`, `OPENAI_API_KEY`,
 * `clientSecret`, `X-Amz-Security-Token`, `SessionToken`). Every one ends with a word of the SECRET_ASSIGNMENT clue.
 */
const SECRET_WORD =
  '(?:password|passwd|passphrase|pwd|secret|token|sig|signature|credentials?|api[_-]?key|private[_-]?key|secret[_-]?key|secret[_-]?access[_-]?key)';
/** Up to four words with separators, then the start of the last word (camel case): each start scans a bounded number of words. */
const KEY = `(?:[A-Za-z0-9]+[_.-]){0,4}[A-Za-z0-9]*?${SECRET_WORD}`;
/** Quoted values whole (at most 200 characters, one line), a bare value up to a separator. */
const VALUE = `(?:"([^"\\n]{1,200})"|'([^'\\n]{1,200})'|([^\\s"'\\\\,;&<>{}[\\]()]+))`;
/**
 * `key = value`, `"key": "value"`, `key := value`, `"key" => "value"` (gaps bounded, so that a run of spaces after a
 * key costs a bounded scan, not one per start); or a command-line flag `--key value`.
 */
const ASSIGNMENT = `\\b(${KEY})\\s{0,16}(?:["']\\s{0,16})?(?:=>|:=|[:=](?!=))\\s{0,16}${VALUE}`;
const FLAG = `(?<![\\w-])--(${KEY})[ \\t]{1,16}(?!-)${VALUE}`;
/** Capture groups: ASSIGNMENT has 1 (key) to 4, FLAG 5 to 8. */
const FLAG_GROUP = 5;

const PLACEHOLDER =
  /^(?:\*+|x+|•+|\.{3,}|<.*|\$\{.*|\$\(.*|\$[A-Z_][A-Z0-9_]*|%[A-Z_][A-Z0-9_]*%|\{\{.*|%\(.*|null|nil|none|undefined|true|false|required|optional|string|str|bytes|number|integer|boolean|secretstr|redacted|changeme|example|your[_-].*|(?:db[_-]?)?(?:password|passwd|passphrase|secret|token|api[_-]?key))$/i;
const PASSWORD_KEY = /(?:password|passwd|passphrase|pwd)$/i;
const MAX_VALUE = 200;

/** A bare value that is code, not a secret: a call (`readPassword()`), an index, a property of a settings object. */
const CODE_REFERENCE =
  /^(?:process\.env|import\.meta\.env|os\.environ|this|self|config|settings|env|options|opts|props|args|params|req|request|ctx|context|secrets|credentials|vault)\./;
const DECLARATION = /\b(?:const|let|var|val|final|auto)\s+$/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function isCode(text: string, keyStart: number, value: string, valueEnd: number): boolean {
  const next = text[valueEnd];
  if (next === '(' || next === '[') return true;
  if (CODE_REFERENCE.test(value)) return true;
  if (!IDENTIFIER.test(value)) return false;
  // `const password = userInput`, `connect(password=db_password)`: a name, where a literal would be quoted.
  return next === ')' || DECLARATION.test(textBefore(text, keyStart, 12));
}

/** Whether the key is a configuration key (`db_password`, `DB_PASSWORD`, a key at the start of a line), whose bare value runs to the end of its line. */
function isConfigKey(text: string, key: string, keyStart: number): boolean {
  if (/[_.-]/.test(key) || key === key.toUpperCase()) return true;
  let index = keyStart - 1;
  while (index >= 0 && (text[index] === ' ' || text[index] === '\t' || text[index] === '-')) index--;
  return index < 0 || text[index] === '\n' || text[index] === '\r' || text[index] === '"';
}

const isBlank = (char: string | undefined): boolean => char === ' ' || char === '\t';
const BARE_STOP = /[\s"'\\,;&<>{}[\]()]/;

/**
 * Where a bare value ends: its first word, then what a secret can hold and a separator would have cut off. `&` is
 * taken with what follows it (`Tr0ub&dor&3x`) unless that is another `name=` parameter; a configuration key's value
 * takes the next words of its line (`correct horse battery staple`), never a word that is another key (`user=`).
 * A bounded scan: at most MAX_VALUE characters.
 */
function bareValueEnd(text: string, start: number, end: number, multiWord: boolean): number {
  const limit = Math.min(text.length, start + MAX_VALUE);
  let position = end;
  while (position < limit) {
    const char = text[position];
    let wordStart: number;
    if (char === '&') wordStart = position + 1;
    else if (multiWord && isBlank(char)) {
      wordStart = position;
      while (wordStart < limit && isBlank(text[wordStart])) wordStart++;
    } else break;
    let wordEnd = wordStart;
    while (wordEnd < limit && !BARE_STOP.test(text[wordEnd]!)) wordEnd++;
    if (wordEnd === wordStart && char !== '&') break;
    const word = text.slice(wordStart, wordEnd);
    if (word.includes('=') || word.endsWith(':')) break;
    position = wordEnd;
  }
  return position;
}

export const CREDENTIAL: DetectionRule = {
  name: 'credential',
  mayMatch: (text, clues) => clues.has(SECRET_ASSIGNMENT) || text.includes('--'),
  // No `d` flag: offsets of all eight groups for every match cost more than the rest of the rule on text made of
  // assignments. The offsets needed follow from the shape: the key starts the match (after `--` for a flag), and the
  // value ends it (before the closing quote of a quoted one).
  pattern: new RegExp(`${ASSIGNMENT}|${FLAG}`, 'gi'),
  locate(match, text) {
    const base = match[FLAG_GROUP] !== undefined ? FLAG_GROUP : 1;
    const key = match[base]!;
    const group = match[base + 1] !== undefined ? base + 1 : match[base + 2] !== undefined ? base + 2 : base + 3;
    const keyStart = base === FLAG_GROUP ? match.index + 2 : match.index;
    let end = match.index + match[0].length - (group === base + 3 ? 0 : 1);
    const start = end - match[group]!.length;
    if (group === base + 3) {
      if (isCode(text, keyStart, text.slice(start, end), end)) return undefined;
      end = bareValueEnd(text, start, end, base !== FLAG_GROUP && isConfigKey(text, key, keyStart));
    }
    const value = text.slice(start, end).trim();
    // Placeholders stay, and so does a value an earlier rule already replaced (it says which key it was).
    if (value.length < 6 || PLACEHOLDER.test(value) || value.includes('[REDACTED:')) return undefined;
    // A password can be any word; an API secret is machine-made (or long), so `secret: whispered` stays.
    if (!PASSWORD_KEY.test(key) && !looksGenerated(value) && value.length < 20) return undefined;
    while (end > start && isBlank(text[end - 1])) end--;
    return [start, end];
  },
};
