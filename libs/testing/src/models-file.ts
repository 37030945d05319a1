import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A MODELS_FILE in a temporary folder, and the function that removes it. */
export interface TemporaryModelsFile {
  path: string;
  remove(): void;
}

/**
 * A MODELS_FILE with one priced `openai` model on `upstreamUrl` that may answer up to 200,000
 * tokens (`long-model`): for tests of long streams through the gateway's openai backend.
 */
export function longModelFile(upstreamUrl: string): TemporaryModelsFile {
  const dir = mkdtempSync(join(tmpdir(), 'models-'));
  const path = join(dir, 'models.yaml');
  writeFileSync(
    path,
    `models:\n  - name: long-model\n    backend: openai\n    upstream_url: ${upstreamUrl}\n    max_tokens_limit: 200000\n    price: { input_per_1k_usd: 0.001, output_per_1k_usd: 0.002 }\n`,
  );
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
