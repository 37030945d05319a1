import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyRegistry, presentedApiKey, sha256Hex } from './api-keys.js';

describe(ApiKeyRegistry.name, () => {
  it('maps keys from API_KEYS to users and admins', () => {
    const registry = ApiKeyRegistry.fromList('sk-alice:alice, sk-ops:ops:admin');
    expect(registry.identify('sk-alice')).toEqual({ userId: 'alice', isAdmin: false, keyId: sha256Hex('sk-alice').slice(0, 16), rateLimits: {} });
    expect(registry.identify('sk-ops')).toMatchObject({ userId: 'ops', isAdmin: true });
    expect(registry.identify('sk-alice ')).toBeUndefined();
    expect(registry.identify('sk-mallory')).toBeUndefined();
  });

  it('rejects malformed API_KEYS entries without echoing them', () => {
    expect(() => ApiKeyRegistry.fromList('sk-secret-value')).toThrow('API_KEYS: entry 1 must be key:user or key:user:admin');
    expect(() => ApiKeyRegistry.fromList('sk-secret-value:bob:root')).not.toThrow(/sk-secret-value/);
    expect(() => ApiKeyRegistry.fromList('sk-secret-value:bob:root')).toThrow(/entry 1/);
  });

  it('reads digests from API_KEYS_FILE, so the file holds no key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    const file = join(dir, 'keys.yaml');
    writeFileSync(
      file,
      `keys:\n  - sha256: ${sha256Hex('sk-bob')}\n    user: bob\n    rate_limit_rpm: 30\n  - sha256: ${sha256Hex('sk-root')}\n    user: root\n    admin: true\n    rate_limit_rpm: 0\n    rate_limit_tpm: 90000\n`,
    );
    const registry = ApiKeyRegistry.fromFile(file);
    expect(registry.identify('sk-bob')).toEqual({ userId: 'bob', isAdmin: false, keyId: sha256Hex('sk-bob').slice(0, 16), rateLimits: { requestsPerMinute: 30 } });
    expect(registry.identify('sk-root')).toMatchObject({ userId: 'root', isAdmin: true, rateLimits: { requestsPerMinute: 0, tokensPerMinute: 90000 } });
    expect(registry.identify(sha256Hex('sk-bob'))).toBeUndefined();
  });

  it('refuses a rate limit that is not a whole number of at least 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    const file = join(dir, 'keys.yaml');
    writeFileSync(file, `keys:\n  - sha256: ${sha256Hex('sk-bob')}\n    user: bob\n    rate_limit_tpm: -5\n`);
    expect(() => ApiKeyRegistry.fromFile(file)).toThrow(/keys\.0\.rate_limit_tpm/);
  });

  it('means open access when no keys are configured, and refuses both settings at once', () => {
    expect(ApiKeyRegistry.fromConfig({})).toBeUndefined();
    expect(() => ApiKeyRegistry.fromConfig({ API_KEYS: 'a:b', API_KEYS_FILE: '/x' })).toThrow('not both');
  });
});

describe('presentedApiKey', () => {
  it('takes a bearer token or x-api-key', () => {
    expect(presentedApiKey({ authorization: 'Bearer sk-1' })).toBe('sk-1');
    expect(presentedApiKey({ authorization: 'bearer   sk-2' })).toBe('sk-2');
    expect(presentedApiKey({ 'x-api-key': 'sk-3' })).toBe('sk-3');
    expect(presentedApiKey({ authorization: 'Basic abc' })).toBeUndefined();
    expect(presentedApiKey({})).toBeUndefined();
  });
});
