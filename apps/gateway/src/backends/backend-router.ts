import type { BackendKind, ServedModel } from '../config/model-catalog.js';
import type { GenerationBackend } from './backend.js';

/** Which backend serves a model; built once at boot from the catalog. */
export class BackendRouter {
  constructor(private readonly backends: Partial<Record<BackendKind, GenerationBackend>>) {}

  backendFor(model: ServedModel): GenerationBackend {
    const backend = this.backends[model.backend];
    if (!backend) throw new Error(`no ${model.backend} backend is configured for model ${model.name}`);
    return backend;
  }

  /** The first reason any configured backend cannot serve, or undefined. */
  async readinessProblem(): Promise<string | undefined> {
    const problems = await Promise.all(Object.values(this.backends).map((b) => b.readinessProblem()));
    return problems.find((p) => p !== undefined);
  }

  /** Whether the gateway must count prompt tokens itself before calling the backend. */
  static needsPromptCount(model: ServedModel): boolean {
    return model.backend === 'simulator';
  }
}
