import type { GpuStats } from '@tokenscope/queue-contracts';
import type { GpuReadFailure, GpuReading } from './gpu-reader.js';
import { SamplerHealth } from './sampler-health.js';

function card(index: number, uuid: string): GpuStats {
  return {
    index,
    uuid,
    name: 'NVIDIA H100 80GB HBM3',
    utilizationPercent: 1,
    memoryUsedBytes: 0,
    memoryTotalBytes: 1,
    temperatureCelsius: 30,
    powerWatts: 70,
    smClockHertz: 345_000_000,
    isMigEnabled: false,
    processes: null,
  };
}

const ok = (...gpus: GpuStats[]): GpuReading => ({ gpus, failure: null, notices: [] });
const failed = (failure: GpuReadFailure): GpuReading => ({ gpus: [], failure, notices: [] });
const noDriver: GpuReadFailure = { reason: 'driver_unavailable', detail: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. (exit 9)" };
const a = card(0, 'GPU-a');
const b = card(1, 'GPU-b');

describe(SamplerHealth.name, () => {
  it('is not ready before the first sample', () => {
    expect(new SamplerHealth(20_000).readiness(0)).toEqual({ isReady: false, detail: 'no sample yet' });
  });

  it('reports the start once, then nothing while the GPUs stay the same', () => {
    const health = new SamplerHealth(20_000);
    expect(health.record(ok(a, b), 1000)).toEqual([{ kind: 'started', gpus: [{ index: 0, uuid: 'GPU-a', name: a.name }, { index: 1, uuid: 'GPU-b', name: b.name }] }]);
    expect(health.record(ok(a, b), 6000)).toEqual([]);
    expect(health.readiness(7000)).toEqual({ isReady: true, detail: '2 GPUs' });
    expect(health.lastGoodAtMs).toBe(6000);
  });

  it('reports a failure once however many samples fail the same way, and is not ready with its reason', () => {
    const health = new SamplerHealth(20_000);
    const events = [1000, 6000, 11_000, 16_000].flatMap((at) => health.record(failed(noDriver), at));
    expect(events).toEqual([{ kind: 'failing', failure: noDriver }]);
    expect(health.readiness(16_000)).toEqual({ isReady: false, detail: `driver_unavailable: ${noDriver.detail}` });
    expect(health.lastGoodAtMs).toBeNull();
  });

  it('reports a change of failure reason, but not a change of wording under the same reason', () => {
    const health = new SamplerHealth(20_000);
    health.record(failed({ reason: 'timeout', detail: 'pid 1' }), 0);
    expect(health.record(failed({ reason: 'timeout', detail: 'pid 2' }), 5000)).toEqual([]);
    expect(health.record(failed(noDriver), 10_000)).toEqual([{ kind: 'failing', failure: noDriver }]);
    expect(health.readiness(10_000).detail).toBe(`driver_unavailable: ${noDriver.detail}`);
  });

  it('reports the recovery with how long sampling was down, and is ready again', () => {
    const health = new SamplerHealth(20_000);
    health.record(ok(a), 0);
    health.record(failed({ reason: 'timeout', detail: 'hang' }), 5000);
    health.record(failed({ reason: 'timeout', detail: 'hang' }), 10_000);
    expect(health.record(ok(a), 15_000)).toEqual([{ kind: 'recovered', gpuCount: 1, downForMs: 10_000 }]);
    expect(health.readiness(15_000)).toEqual({ isReady: true, detail: '1 GPU' });
  });

  it('reports GPUs that disappear and appear, by UUID, not by index', () => {
    const health = new SamplerHealth(20_000);
    health.record(ok(a, b), 0);
    expect(health.record(ok(a), 5000)).toEqual([{ kind: 'gpus-lost', gpus: [{ index: 1, uuid: 'GPU-b', name: b.name }] }]);
    const renumbered = card(0, 'GPU-b');
    expect(health.record(ok(renumbered), 10_000)).toEqual([
      { kind: 'gpus-lost', gpus: [{ index: 0, uuid: 'GPU-a', name: a.name }] },
      { kind: 'gpus-found', gpus: [{ index: 0, uuid: 'GPU-b', name: b.name }] },
    ]);
  });

  it('reports an incomplete sample once and stays ready, saying what is missing', () => {
    const health = new SamplerHealth(20_000);
    health.record(ok(a, b), 0);
    const lost: GpuReadFailure = { reason: 'gpu_lost', detail: 'Unable to determine the device handle for GPU0000:5D:00.0: Unknown Error (exit 15)' };
    expect(health.record({ gpus: [a], failure: lost, notices: [] }, 5000)).toEqual([
      { kind: 'gpus-lost', gpus: [{ index: 1, uuid: 'GPU-b', name: b.name }] },
      { kind: 'incomplete', failure: lost },
    ]);
    expect(health.record({ gpus: [a], failure: lost, notices: [] }, 10_000)).toEqual([]);
    expect(health.readiness(10_000)).toEqual({ isReady: true, detail: `1 GPU; last sample incomplete: gpu_lost: ${lost.detail}` });
  });

  it('stops being ready when the last good sample is older than the stale limit', () => {
    const health = new SamplerHealth(20_000);
    health.record(ok(a), 1000);
    expect(health.readiness(21_000).isReady).toBe(true);
    expect(health.readiness(21_001)).toEqual({ isReady: false, detail: 'last good sample 20.0 s ago: sampling has stalled' });
  });
});
