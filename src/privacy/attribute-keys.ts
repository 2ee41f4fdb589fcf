// Decisions taken from an attribute's key alone, whatever its value looks like.

/** What happens to a value because of its key. */
export type KeyVerdict = 'drop' | 'credential' | 'identity' | 'scan';

/**
 * Credentials carried in HTTP headers or gRPC metadata, recorded by instrumentations configured to capture headers
 * (`http.request.header.authorization`, `rpc.grpc.request.metadata.x-api-key`, a bare `api_key`). Never exported,
 * whatever the settings.
 */
const CREDENTIAL_HEADER =
  /(?:^|[._-])(?:authorization|proxy[-_]authorization|x[-_]api[-_]key|api[-_]key|apikey|x[-_]goog[-_]api[-_]key|cookie|set[-_]cookie|x[-_]auth[-_]token|x[-_]amz[-_]security[-_]token|x[-_](?:csrf|xsrf)[-_]token)$/i;

/** Attributes named after a secret: their value is replaced whole (the `credential` rule). */
const SECRET_NAMED =
  /(?:^|[._-])(?:password|passwd|passphrase|pwd|secret|client[-_]?secret|api[-_]?secret|access[-_]?token|refresh[-_]?token|id[-_]?token|auth[-_]?token|session[-_]?token|private[-_]?key|secret[-_]?key|secret[-_]?access[-_]?key)$/i;

/**
 * Attributes that identify a person or a session (semantic conventions `user.*`, `session.*`, and the older
 * `enduser.id`): hashed with the HMAC key when one is set.
 */
export const IDENTITY_KEYS: ReadonlySet<string> = new Set([
  'user.id',
  'user.name',
  'user.full_name',
  'user.email',
  'enduser.id',
  'session.id',
  'session.previous_id',
]);

const verdicts = new Map<string, KeyVerdict>();

/**
 * The verdict for `key`, remembered: a process uses a few hundred distinct attribute keys at most, so this is one map
 * lookup per attribute after warm-up.
 *
 * @example
 * keyVerdict('http.request.header.authorization'); // 'drop'
 */
export function keyVerdict(key: string): KeyVerdict {
  let verdict = verdicts.get(key);
  if (verdict === undefined) {
    verdict = IDENTITY_KEYS.has(key)
      ? 'identity'
      : CREDENTIAL_HEADER.test(key)
        ? 'drop'
        : SECRET_NAMED.test(key)
          ? 'credential'
          : 'scan';
    // Keys can be made up from data (a header name per request): keep the memory bounded.
    if (verdicts.size > 4096) verdicts.clear();
    verdicts.set(key, verdict);
  }
  return verdict;
}
