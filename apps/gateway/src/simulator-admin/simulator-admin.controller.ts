import { Body, Controller, Get, Headers, Param, Put } from '@nestjs/common';
import { Admission } from '../admission/admission.js';
import { simulatorFaultsSchema } from '@tokenscope/config';
import { FaultSwitch } from '../backends/simulator/fault-switch.js';
import { GenerationError } from '../generation/generation.errors.js';
import { describeIssue } from '../generation/issue-description.js';
import { SharedFaults } from './shared-faults.js';

const faultChanges = simulatorFaultsSchema.unwrap().partial().strict();

/** Turns simulated incidents on and off at runtime (demos, alert tests), on every replica. */
@Controller('admin/simulator/faults')
export class SimulatorAdminController {
  constructor(
    private readonly faults: FaultSwitch,
    private readonly shared: SharedFaults,
    private readonly admission: Admission,
  ) {}

  @Get()
  list(@Headers() headers: Record<string, string>) {
    this.admission.requireAdmin(headers);
    return { models: this.faults.all() };
  }

  @Put(':model')
  async update(@Param('model') model: string, @Body() body: unknown, @Headers() headers: Record<string, string>) {
    this.admission.requireAdmin(headers);
    // no body means no change; anything else must be an object of rates
    const changes = body ?? {};
    if (typeof changes !== 'object' || Array.isArray(changes)) {
      throw new GenerationError('INVALID_REQUEST', 'body: expected a JSON object of fault rates', { param: 'body' });
    }
    const parsed = faultChanges.safeParse(changes, { reportInput: true });
    if (!parsed.success) {
      const issue = describeIssue(parsed.error.issues[0]!);
      const message = parsed.error.issues[0]!.code === 'unrecognized_keys' ? 'unknown fault' : 'must be a rate between 0 and 1';
      throw new GenerationError('INVALID_REQUEST', `${issue.param}: ${message}`, { param: issue.param });
    }
    const rates = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
    if (!this.faults.set(model, rates)) {
      throw new GenerationError('NOT_FOUND', 'model: no simulated model has this name', { param: 'model' });
    }
    // `shared: false`: Redis was unreachable, so only this replica applies the change
    const isShared = await this.shared.change(model, rates);
    return { model, faults: this.faults.get(model), shared: isShared };
  }
}
