import { nodeCrypto } from '../core/loaders.ts';

export const IDENTITY_HASH_PREFIX = 'hmac-sha256:';

/**
 * A keyed hash of user and session ids: the same user always gets the same value (traces can still be grouped per
 * user), but without the key nobody can tell who it is or test guesses against it, as they could with a plain hash.
 * Recent results are remembered, since the same few ids repeat on every span of a request.
 *
 * @example
 * const hash = createIdentityHasher(process.env.KEY!);
 * hash('alice@example.com'); // 'hmac-sha256:5d1e…'
 */
export function createIdentityHasher(key: string): (value: string) => string {
  // Loaded here, not with the preload: only identity hashing needs it (see sdk/service-instance.ts).
  const { createHmac } = nodeCrypto();
  const recent = new Map<string, string>();
  return (value) => {
    let hashed = recent.get(value);
    if (hashed === undefined) {
      hashed = IDENTITY_HASH_PREFIX + createHmac('sha256', key).update(value).digest('hex');
      if (recent.size >= 1024) recent.clear();
      recent.set(value, hashed);
    }
    return hashed;
  };
}
