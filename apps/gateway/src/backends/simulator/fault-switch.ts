import type { SimulatorFaults } from '@tokenscope/config';

export type FaultName = keyof SimulatorFaults;

/** What goes wrong with one request: at most one transport fault, and at most one content fault. */
export interface FaultDraw {
  transport: 'none' | 'server_error' | 'rate_limit' | 'timeout' | 'cut_stream';
  content: 'none' | 'refusal' | 'off_context';
}

/**
 * Fault rates per simulated model, starting from MODELS_FILE and changeable at runtime, so that
 * a demo or a test can turn an incident on and off without restarting the gateway.
 */
export class FaultSwitch {
  private readonly rates = new Map<string, SimulatorFaults>();

  constructor(initial: Iterable<[model: string, faults: SimulatorFaults]>) {
    for (const [model, faults] of initial) this.rates.set(model, { ...faults });
  }

  get(model: string): SimulatorFaults | undefined {
    const rates = this.rates.get(model);
    return rates ? { ...rates } : undefined;
  }

  all(): Record<string, SimulatorFaults> {
    return Object.fromEntries([...this.rates].map(([model, rates]) => [model, { ...rates }]));
  }

  /** Replaces the given rates of one model (others keep theirs); false for an unknown model. */
  set(model: string, changes: Partial<SimulatorFaults>): boolean {
    const rates = this.rates.get(model);
    if (!rates) return false;
    Object.assign(rates, changes);
    return true;
  }

  /** One draw per request: transport faults are exclusive, tried in a fixed order. */
  draw(model: string, random: () => number): FaultDraw {
    const rates = this.rates.get(model);
    if (!rates) return { transport: 'none', content: 'none' };
    const roll = random();
    let threshold = 0;
    let transport: FaultDraw['transport'] = 'none';
    for (const kind of ['server_error', 'rate_limit', 'timeout', 'cut_stream'] as const) {
      threshold += rates[`${kind}_rate`];
      if (roll < threshold) {
        transport = kind;
        break;
      }
    }
    const contentRoll = random();
    const content: FaultDraw['content'] =
      contentRoll < rates.refusal_rate ? 'refusal' : contentRoll < rates.refusal_rate + rates.off_context_rate ? 'off_context' : 'none';
    return { transport, content };
  }
}
