import { redisKeyspace } from './keyspace.keys.js';
/**
 * A gateway that serves the models its upstream lists (zero-config upstream) writes their names
 * here, so the quality service gives them their own `model` label instead of `unknown` without a
 * MODELS_FILE of its own. A set of at most a few hundred names; it expires unless refreshed.
 */
export function servedModelsKey(prefix: string): string {
  return `${redisKeyspace(prefix)}:served-models`;
}

/** How long the served-models set lives without a refresh (gateways refresh it with every model list read). */
export const SERVED_MODELS_TTL_SECONDS = 86_400;

/** Most names the quality service takes from the set: each one is a label value. */
export const SERVED_MODELS_LIMIT = 256;
