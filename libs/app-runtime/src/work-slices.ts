import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Lets long synchronous work give the event loop a turn: call `yieldIfLong()` between pieces of
 * work, and once `sliceMs` of work has run since the last turn it waits for the next one, so
 * probes, scrapes and other requests are served in between (the 50 ms bound of issue 12).
 */
export class WorkSlices {
  private sliceStartMs = performance.now();

  constructor(private readonly sliceMs = 5) {}

  async yieldIfLong(): Promise<void> {
    if (performance.now() - this.sliceStartMs < this.sliceMs) return;
    await nextTurn();
    this.sliceStartMs = performance.now();
  }
}

/** Whether a UTF-16 code unit is what `\s` matches in a JavaScript regex, for scanners that replace one. */
export function isRegexWhitespace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x20 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}
