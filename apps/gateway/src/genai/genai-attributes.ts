import type { GenerationEndpoint } from '@tokenscope/queue-contracts';
import type { ServedModel } from '../config/model-catalog.js';

/** `gen_ai.operation.name` of each endpoint (the conventions' well-known values). */
export const GENAI_OPERATION_NAMES: Record<GenerationEndpoint, string> = {
  generate: 'text_completion',
  'chat.completions': 'chat',
  completions: 'text_completion',
  embeddings: 'embeddings',
};

/** `gen_ai.provider.name`: no well-known value fits a self-hosted OpenAI-compatible server, so a custom one. */
export function genAiProviderName(model: ServedModel): string {
  return model.backend === 'simulator' ? 'tokenscope.simulator' : 'openai_compatible';
}

/** `server.address` and `server.port` of the model server (none for the embedded simulator). */
export function modelServerAttributes(model: ServedModel): Record<string, string | number> {
  if (!model.upstreamUrl) return {};
  const url = new URL(model.upstreamUrl);
  return { 'server.address': url.hostname, 'server.port': url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80 };
}
