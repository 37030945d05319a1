import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** Requests and tokens per minute one key may use: a number overrides RATE_LIMIT_RPM/TPM, 0 lifts the limit. */
export interface KeyRateLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

/** Who a valid API key belongs to. */
export interface ApiPrincipal {
  userId: string;
  isAdmin: boolean;
  /**
   * Names the key without revealing it: the first 16 hex digits of its SHA-256 (what the keys file
   * lists), so rate limits are counted per key even when several keys share a user.
   */
  keyId: string;
  rateLimits: KeyRateLimits;
}

const HASH_PATTERN = /^[0-9a-f]{64}$/;

const keysFileSchema = z
  .object({
    keys: z
      .array(
        z
          .object({
            sha256: z.string().regex(HASH_PATTERN, 'expected the hex SHA-256 of the key'),
            user: z.string().min(1).max(256),
            admin: z.boolean().default(false),
            // per-key limits (issue: limits shared by all replicas); 0 = no limit for this key
            rate_limit_rpm: z.number().int().min(0).optional(),
            rate_limit_tpm: z.number().int().min(0).optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

function keyIdOf(digest: string): string {
  return digest.slice(0, 16);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * API keys, held only as SHA-256 digests: a key is hashed when presented and compared in constant
 * time, and no raw key is kept in memory after loading. API_KEYS_FILE lists digests (so the file
 * holds no secret); API_KEYS (`key:user[:admin],…`, for development) is hashed at load.
 */
export class ApiKeyRegistry {
  private readonly entries: ReadonlyArray<{ digest: Buffer; principal: ApiPrincipal }>;

  constructor(entries: Iterable<[digest: string, principal: ApiPrincipal]>) {
    this.entries = [...entries].map(([digest, principal]) => ({ digest: Buffer.from(digest, 'hex'), principal }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** True when some key sets its own rate limit. */
  get hasRateLimits(): boolean {
    return this.entries.some(({ principal }) => Object.keys(principal.rateLimits).length > 0);
  }

  /**
   * The key's owner, or undefined for an unknown key. Every stored digest is compared, in
   * constant time and without stopping at a match, so timing says nothing about which
   * digests exist (cost: one 32-byte compare per configured key).
   */
  identify(presentedKey: string): ApiPrincipal | undefined {
    const digest = createHash('sha256').update(presentedKey, 'utf8').digest();
    let found: ApiPrincipal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, digest)) found = entry.principal;
    }
    return found;
  }

  /** Parses `key:user[:admin]` pairs separated by commas. */
  static fromList(list: string): ApiKeyRegistry {
    const entries = list
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0)
      .map((item, index): [string, ApiPrincipal] => {
        const [key, user, role, ...rest] = item.split(':');
        if (!key || !user || rest.length > 0 || (role !== undefined && role !== 'admin')) {
          throw new Error(`API_KEYS: entry ${index + 1} must be key:user or key:user:admin`);
        }
        const digest = sha256Hex(key);
        return [digest, { userId: user, isAdmin: role === 'admin', keyId: keyIdOf(digest), rateLimits: {} }];
      });
    if (entries.length === 0) throw new Error('API_KEYS: no keys listed');
    return new ApiKeyRegistry(entries);
  }

  static fromFile(path: string): ApiKeyRegistry {
    let raw: unknown;
    try {
      raw = parseYaml(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`API_KEYS_FILE ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'not YAML'})`);
    }
    const result = keysFileSchema.safeParse(raw);
    if (!result.success) {
      throw new Error(`API_KEYS_FILE ${path}: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    return new ApiKeyRegistry(
      result.data.keys.map((k) => [
        k.sha256,
        {
          userId: k.user,
          isAdmin: k.admin,
          keyId: keyIdOf(k.sha256),
          rateLimits: {
            ...(k.rate_limit_rpm !== undefined ? { requestsPerMinute: k.rate_limit_rpm } : {}),
            ...(k.rate_limit_tpm !== undefined ? { tokensPerMinute: k.rate_limit_tpm } : {}),
          },
        },
      ]),
    );
  }

  /** The registry the configuration asks for, or undefined for open access (no keys configured). */
  static fromConfig(config: { API_KEYS?: string | undefined; API_KEYS_FILE?: string | undefined }): ApiKeyRegistry | undefined {
    if (config.API_KEYS && config.API_KEYS_FILE) throw new Error('set API_KEYS or API_KEYS_FILE, not both');
    if (config.API_KEYS_FILE) return ApiKeyRegistry.fromFile(config.API_KEYS_FILE);
    if (config.API_KEYS) return ApiKeyRegistry.fromList(config.API_KEYS);
    return undefined;
  }
}

/** The key a request presents: `Authorization: Bearer <key>` (what OpenAI clients send) or `x-api-key`. */
export function presentedApiKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const authorization = headers.authorization;
  const value = Array.isArray(authorization) ? authorization[0] : authorization;
  if (value && /^bearer\s+/i.test(value)) return value.replace(/^bearer\s+/i, '').trim() || undefined;
  const apiKey = headers['x-api-key'];
  return (Array.isArray(apiKey) ? apiKey[0] : apiKey)?.trim() || undefined;
}
