import { z } from 'zod';

/** Raised when the environment does not satisfy an app's schema; lists every bad key, never a value. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Parses the environment with an app's schema. Empty strings count as unset, so `FOO=` in a
 * compose file means "use the default" rather than "invalid number".
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: Env): z.infer<S> {
  const cleaned: Env = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') cleaned[key] = value.trim();
  }
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const key = issue.path.join('.') || '(root)';
      // zod messages describe the expectation, never echo the offending value
      return `${key}: ${issue.message}`;
    }),
  );
}

/** Parses at boot; on failure prints every problem on stderr and exits 1 (no stack trace). */
export function loadConfigOrExit<S extends z.ZodObject>(schema: S, env: Env, appName: string): z.infer<S> {
  try {
    return loadConfig(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${appName}: ${error.message}\n`);
    process.exit(1);
  }
}

export interface ConfigKeyDoc {
  key: string;
  description: string;
  defaultValue: string | undefined;
  isSecret: boolean;
}

/** One row per variable, for the README's configuration tables and for checks that they exist. */
export function describeConfig(schema: z.ZodObject): ConfigKeyDoc[] {
  return Object.entries(schema.shape).map(([key, field]) => {
    const zodField = field as z.ZodType;
    const meta = (zodField.meta() ?? {}) as { secret?: boolean };
    return {
      key,
      description: zodField.description ?? '',
      defaultValue: defaultOf(zodField),
      isSecret: meta.secret === true,
    };
  });
}

/** The default of a field, looking through transforms (`default(...).transform(...)`). */
function defaultOf(field: z.ZodType): string | undefined {
  const def = field.def as { type: string; defaultValue?: unknown; in?: z.ZodType; innerType?: z.ZodType };
  if (def.type === 'default') return String(def.defaultValue);
  if (def.type === 'pipe' && def.in) return defaultOf(def.in);
  return undefined;
}
