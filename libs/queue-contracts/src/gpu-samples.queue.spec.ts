import {
  gpuLatestKey,
  gpuLatestKeyPattern,
  gpuLatestTtlSeconds,
  gpuSamplesStreamKey,
  parseGpuSample,
  parseGpuSnapshot,
  snapshotsOf,
  type GpuSample,
} from './gpu-samples.queue.js';

function sample(): GpuSample {
  return {
    v: 1,
    host: 'gpu-node-07',
    model: 'llama-3.1-70b',
    sampledAtMs: 1_767_225_600_000,
    intervalMs: 5000,
    gpus: [
      {
        index: 0,
        uuid: 'GPU-3f2a8c41-6b1e-4d7a-9c55-0e1f2a3b4c5d',
        name: 'NVIDIA H100 80GB HBM3',
        utilizationPercent: 100,
        memoryUsedBytes: 74_213 * 1_048_576,
        memoryTotalBytes: 81_559 * 1_048_576,
        temperatureCelsius: 63,
        powerWatts: 652.31,
        smClockHertz: 1_980_000_000,
        isMigEnabled: false,
        processes: [{ pid: 48_211, name: '/usr/bin/python3', usedMemoryBytes: 73_690 * 1_048_576 }],
      },
    ],
  };
}

describe('gpu samples contract', () => {
  it('round-trips a sample through its JSON wire form', () => {
    expect(parseGpuSample(JSON.stringify(sample()))).toEqual(sample());
  });

  it('keeps unknown values as null rather than inventing zeros', () => {
    const mig = sample();
    mig.gpus[0] = { ...mig.gpus[0]!, utilizationPercent: null, powerWatts: null, isMigEnabled: true, processes: null };
    expect(parseGpuSample(JSON.stringify(mig)).gpus[0]?.utilizationPercent).toBeNull();
  });

  it.each([
    ['another version', { v: 2 }],
    ['a sample without GPUs', { gpus: [] }],
    ['a host that cannot be a key part', { host: 'gpu node 7' }],
    ['a fractional timestamp', { sampledAtMs: 1.5 }],
    ['an extra field', { extra: true }],
  ])('rejects %s', (_, change) => {
    expect(() => parseGpuSample(JSON.stringify({ ...sample(), ...change }))).toThrow();
  });

  it('rejects memory in MiB where bytes are expected (fractional bytes) and percentages above 100', () => {
    const wrongUnits = sample();
    wrongUnits.gpus[0] = { ...wrongUnits.gpus[0]!, memoryUsedBytes: 72.47 };
    expect(() => parseGpuSample(JSON.stringify(wrongUnits))).toThrow();
    const overfull = sample();
    overfull.gpus[0] = { ...overfull.gpus[0]!, utilizationPercent: 101 };
    expect(() => parseGpuSample(JSON.stringify(overfull))).toThrow();
  });

  it('turns a sample into one snapshot per GPU that parses with the snapshot schema', () => {
    const [snapshot] = snapshotsOf(sample());
    expect(parseGpuSnapshot(JSON.stringify(snapshot))).toEqual({
      v: 1,
      host: 'gpu-node-07',
      model: 'llama-3.1-70b',
      sampledAtMs: 1_767_225_600_000,
      intervalMs: 5000,
      gpu: sample().gpus[0],
    });
  });

  it('names the Redis keys under the prefix', () => {
    expect(gpuSamplesStreamKey('tokenscope')).toBe('{tokenscope}:gpu-samples');
    expect(gpuLatestKey('tokenscope', 'gpu-node-07', 'GPU-abc')).toBe('{tokenscope}:gpu-latest:gpu-node-07:GPU-abc');
    expect(gpuLatestKeyPattern('tokenscope', 'gpu-node-07')).toBe('{tokenscope}:gpu-latest:gpu-node-07:*');
  });

  it('keeps a snapshot for three intervals and never less than 15 seconds', () => {
    expect(gpuLatestTtlSeconds(5000)).toBe(15);
    expect(gpuLatestTtlSeconds(10_000)).toBe(30);
    expect(gpuLatestTtlSeconds(100)).toBe(15);
    expect(gpuLatestTtlSeconds(5001)).toBe(16);
  });
});
