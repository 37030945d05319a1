import { Body, Controller, Get, Headers, Param, Put } from '@nestjs/common';
import { Admission } from '../admission/admission.js';
import { simulatorFaultsSchema } from '@tokenscope/config';
import { FaultSwitch } from '../backends/simulator/fault-switch.js';
import { GenerationError } from '../generation/generation.errors.js';

const faultChanges = simulatorFaultsSchema.unwrap().partial().strict();

/** Turns simulated incidents on and off at runtime (demos, alert tests). */
@Controller('admin/simulator/faults')
export class SimulatorAdminController {
  constructor(
    private readonly faults: FaultSwitch,
    private readonly admission: Admission,
  ) {}

  @Get()
  list(@Headers() headers: Record<string, string>) {
    this.admission.requireAdmin(headers);
    return { models: this.faults.all() };
  }

  @Put(':model')
  update(@Param('model') model: string, @Body() body: unknown, @Headers() headers: Record<string, string>) {
    this.admission.requireAdmin(headers);
    const parsed = faultChanges.safeParse(body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const param = issue.code === 'unrecognized_keys' ? issue.keys[0]! : issue.path.join('.');
      throw new GenerationError('INVALID_REQUEST', `${param}: ${issue.code === 'unrecognized_keys' ? 'unknown fault' : 'must be a rate between 0 and 1'}`, { param });
    }
    const changes = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
    if (!this.faults.set(model, changes)) {
      throw new GenerationError('NOT_FOUND', 'model: no simulated model has this name', { param: 'model' });
    }
    return { model, faults: this.faults.get(model) };
  }
}
