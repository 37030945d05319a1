// Types of app-runtime.mjs (plain JavaScript so that scripts/start.mjs and bench/ run it without a build).

export declare const APP_NODE_FLAGS: readonly string[];
export declare const APP_ENTRY: readonly string[];
export declare function appEnv<T extends Record<string, string | undefined>>(env: T): T & { MALLOC_ARENA_MAX: string };
