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
