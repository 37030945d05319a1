import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';

/** Flips to shutting down on SIGTERM, before anything closes, so /readyz turns 503 first. */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  isShuttingDown = false;

  beforeApplicationShutdown(): void {
    this.isShuttingDown = true;
  }
}
