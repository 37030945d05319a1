// Types of generated-files.mjs (plain JavaScript so that the scripts run it without a build).
export declare function writeOrCheck(
  outputs: ReadonlyArray<{ path: string; text: string }>,
  options: { argv?: readonly string[]; source: string; command: string; what: string },
): void;
