import { ConfigError, loadConfig } from '@tokenscope/config';
import { gpuAgentConfigSchema } from './gpu-agent.config.js';

describe('gpu agent configuration', () => {
  it('samples every 5 s with a 10 s timeout through nvidia-smi on PATH by default', () => {
    const config = loadConfig(gpuAgentConfigSchema, {});
    expect(config).toMatchObject({
      GPU_AGENT_PORT: 9400,
      GPU_AGENT_NVIDIA_SMI: 'nvidia-smi',
      GPU_AGENT_INTERVAL_MS: 5000,
      GPU_AGENT_TIMEOUT_MS: 10_000,
      GPU_AGENT_PROCESSES: true,
      GPU_AGENT_PUBLISH_BUFFER: 720,
      GPU_AGENT_STREAM_MAXLEN: 10_000,
    });
    expect(config.GPU_AGENT_MODEL).toBeUndefined();
    expect(config.GPU_AGENT_HOSTNAME.length).toBeGreaterThan(0);
  });

  it('takes the host name and served model from the environment', () => {
    const config = loadConfig(gpuAgentConfigSchema, { GPU_AGENT_HOSTNAME: 'gpu-node-07', GPU_AGENT_MODEL: 'llama-3.1-70b', GPU_AGENT_PROCESSES: 'off' });
    expect(config).toMatchObject({ GPU_AGENT_HOSTNAME: 'gpu-node-07', GPU_AGENT_MODEL: 'llama-3.1-70b', GPU_AGENT_PROCESSES: false });
  });

  it('refuses bad values at boot, naming every bad key', () => {
    let error: unknown;
    try {
      loadConfig(gpuAgentConfigSchema, {
        GPU_AGENT_INTERVAL_MS: '50',
        GPU_AGENT_TIMEOUT_MS: 'soon',
        GPU_AGENT_HOSTNAME: 'gpu node 7',
        GPU_AGENT_MODEL: 'llama 70b',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((problem) => problem.split(':')[0])).toEqual([
      'GPU_AGENT_INTERVAL_MS',
      'GPU_AGENT_TIMEOUT_MS',
      'GPU_AGENT_HOSTNAME',
      'GPU_AGENT_MODEL',
    ]);
  });
});
