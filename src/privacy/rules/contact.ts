import { countDigits, hasDenseDigits, textBefore, VERSION_CONTEXT, when, type DetectionRule } from './rule.ts';

// Contact details: e-mail addresses and telephone numbers.

export const EMAIL: DetectionRule = {
  name: 'email',
  mayMatch: (text) => text.includes('@') || text.includes('%40'),
  pattern:
    /(?<![\p{L}\p{N}_.%+-])[\p{L}\p{N}][\p{L}\p{N}_.%+-]*(?:@|%40)([\p{L}\p{N}-]+)(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,24}(?![\p{L}\p{N}_-])/gu,
  locate: when((match, text) => {
    // icon@2x.png is a file name; git@github.com:org/repo is an SSH destination and ssh://git@host a URL's user name,
    // not somebody's address.
    if (/^\d+x$/i.test(match[1]!) || textBefore(text, match.index, 3) === '://') return false;
    const after = text.slice(match.index + match[0].length, match.index + match[0].length + 2);
    return !/^:[^\s]/.test(after);
  }),
};

/** Words that introduce a number to call, close before it and in the same string (never across a JSON quote). */
const PHONE_CONTEXT =
  /\b(?:phone|tel(?:ephone)?|mobile|cell|call|text me|sms|whats ?app|fax|contact|reach|dial|ring|telefon|téléphone|portable|handy|número|numero)\b[^\d\n"]{0,25}$/i;
const NANP = /^(?:\+?1[ .-]?)?(?:\(\d{3}\)[ ]?|\d{3}[ .-])\d{3}[ .-]\d{4}$/;
const DATE_SHAPE = /^(?:\d{1,2}([./-])\d{1,2}\1\d{4}|\d{4}([./-])\d{1,2}\2\d{1,2})(?!\d)/;
/** Words after which a run of digits is a reference, not a number to call. */
const REFERENCE_CONTEXT =
  /\b(?:part|order|invoice|ref(?:erence)?|sku|id|serial|ticket|case|account|acct|booking|tracking|item)\b\s*(?:no\.?|number|#|:)?\s*$/i;

const MAX_PHONE_GROUPS = 8;

/** Whether a run of digit groups is a telephone number written the way people write them. */
/** What the words before a run of digits say about it, read at most once per run. */
class PhoneContext {
  private readonly before: string;
  private callable: boolean | undefined;
  private reference: boolean | undefined;

  constructor(before: string) {
    this.before = before;
  }

  /** "call me at", "mobile:", "tel." */
  saysCallable(): boolean {
    return (this.callable ??= PHONE_CONTEXT.test(this.before));
  }

  /** "order no.", "invoice", "ID" */
  saysReference(): boolean {
    return (this.reference ??= REFERENCE_CONTEXT.test(this.before));
  }
}

function isPhoneNumber(candidate: string, context: PhoneContext): boolean {
  const digits = countDigits(candidate);
  if (candidate.startsWith('+') || candidate.startsWith('(+')) return digits >= 8 && digits <= 15;
  if (DATE_SHAPE.test(candidate)) return false;
  const separated = /[ .()-]/.test(candidate);
  if (candidate.startsWith('00') && separated && digits >= 11 && digits <= 15) return true;
  // North American: (415) 555-0132, 415-555-0132, 1 415 555 0132; area codes and exchanges never start with 0 or 1.
  if (NANP.test(candidate) && /^[2-9]/.test(candidate.replace(/^(?:\+?1[ .-]?)?\(?/, ''))) return true;
  // A national number with its trunk prefix: 020 7946 0958, (020) 7946 0958, 06 12 34 56 78, 0151 23456789.
  if (/^\(?0/.test(candidate) && separated && digits >= 10 && digits <= 12) return !context.saysReference();
  // Anything else, bare digits included, only where the text says it is a number to call.
  return digits >= 9 && digits <= 12 && context.saysCallable();
}

export const PHONE: DetectionRule = {
  name: 'phone',
  mayMatch: hasDenseDigits,
  // A run of digit groups separated by one space, dot, dash or parentheses, optionally led by + or (. The look-ahead
  // (eight digits, with at most two of those separators between two) only fails where the run would hold fewer digits
  // than any number and be refused: it refuses the run at once, instead of after a match and a call per digit group
  // (500,000 of them in 1 MB of "1:"). From any later start in that run it fails too, so nothing else is found.
  pattern:
    /(?<![\w+#$€£¥@/.\\-])(?=[+(]{0,2}\d(?:[ .()-]{0,2}\d){7})(?:\+|\(\+?)?\d(?:\d|[ .-](?=\(?\d)|\((?=\d)|\)[ .-]?(?=\d))*\)?(?!\w)/g,
  locate(match, text) {
    const candidate = match[0];
    if (countDigits(candidate, 8) < 8) return undefined;
    const before = textBefore(text, match.index);
    if (VERSION_CONTEXT.test(before)) return undefined;
    const context = new PhoneContext(before);
    // The run may hold more than the number ("call 415-555-0132 2 times"): drop whole groups from its end until a
    // number is left, the longest first. No number is written in more than 8 groups, which also keeps a long run of
    // digit groups (a table of figures) linear to scan.
    const groupEnds: number[] = [];
    for (const group of candidate.matchAll(/[+(]*\d+\)?/g)) {
      groupEnds.push(group.index + group[0].length);
      if (groupEnds.length === MAX_PHONE_GROUPS) break;
    }
    for (let count = groupEnds.length; count >= 1; count--) {
      const window = candidate.slice(0, groupEnds[count - 1]);
      if (countDigits(window) < 8) break;
      if (isPhoneNumber(window, context)) return [match.index, match.index + window.length];
    }
    return undefined;
  },
};
