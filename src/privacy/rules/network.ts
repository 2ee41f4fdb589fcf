import type * as NetModule from 'node:net';
import { nodeNet } from '../../core/loaders.ts';
import { DIGIT_DOT_DIGIT, HEX_COLON } from './clues.ts';
import { textBefore, VERSION_CONTEXT, when, type DetectionRule } from './rule.ts';

// IP addresses.

let net: typeof NetModule | undefined;

/** Each without the look-behind it starts with (none of `\w` and `.`, nor `:` for IPv6): the rule's pattern adds it. */
const IPV4 = /(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\w|\.\d)/g;
const IPV6_CANDIDATE = /[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.\d{1,3}){0,3}(?![\w:])/g;

/**
 * Loopback, unspecified, network (x.y.z.0) and netmask addresses say nothing about anybody; every other address,
 * private ranges included, is redacted.
 */
function isPersonalIPv4(address: string, before: string): boolean {
  const octets = address.split('.');
  const first = Number(octets[0]);
  if (first === 127 || first === 0 || first === 255 || octets[3] === '0') return false;
  return !VERSION_CONTEXT.test(before);
}

export const IP: DetectionRule = {
  name: 'ip',
  // A dotted quad, or hex digits around a colon (JSON's "key":"value" has none).
  mayMatch: (_text, clues) => clues.has(DIGIT_DOT_DIGIT) || clues.has(HEX_COLON),
  // Two patterns in one rule: one name to switch, one label. Their common look-behind is tested once per position.
  pattern: new RegExp(`(?<![\\w.])(?:${IPV4.source}|(?<!:)${IPV6_CANDIDATE.source})`, 'g'),
  locate: when((match, text) => {
    const address = match[0];
    if (!address.includes(':')) return isPersonalIPv4(address, textBefore(text, match.index, 16));
    // node:net loads at the first IPv6 candidate, not with the preload (half a millisecond of start-up).
    net ??= nodeNet();
    if (!net.isIPv6(address)) return false;
    const lowered = address.toLowerCase();
    return lowered !== '::' && lowered !== '::1' && !/^::ffff:127\./.test(lowered);
  }),
};
