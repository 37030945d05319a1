import type { CommandRun } from './command-runner.js';
import { NvidiaSmiCsvParser } from './nvidia-smi-csv.js';
import { interpretGpuQuery, runFailure } from './nvidia-smi-outcome.js';

const context = { command: '/usr/bin/nvidia-smi', timeoutMs: 10_000 };
const parser = new NvidiaSmiCsvParser();
const ROW = '0, GPU-a, 10, 1, 2, 40, 50.00, 1000, Disabled, Card';

function run(partial: Partial<CommandRun>): CommandRun {
  return { exitCode: 0, stdout: '', stderr: '', isTimedOut: false, spawnErrorCode: null, isBlockedByStuckChild: false, pid: 1, ...partial };
}

function interpret(partial: Partial<CommandRun>) {
  const finished = run(partial);
  return interpretGpuQuery(finished, parser.parseGpus(finished.stdout), context);
}

describe('interpretGpuQuery', () => {
  it('passes a clean run through without a failure', () => {
    const result = interpret({ stdout: `${ROW}\n` });
    expect(result.failure).toBeNull();
    expect(result.gpus.map((gpu) => gpu.uuid)).toEqual(['GPU-a']);
  });

  it.each([
    ['a missing binary', { spawnErrorCode: 'ENOENT', exitCode: null }, 'binary_missing', 'cannot run /usr/bin/nvidia-smi: not found'],
    ['a binary that is not executable', { spawnErrorCode: 'EACCES', exitCode: null }, 'binary_missing', 'cannot run /usr/bin/nvidia-smi: not executable'],
    ['a hang', { isTimedOut: true, exitCode: null }, 'timeout', '/usr/bin/nvidia-smi did not answer within 10000 ms and was killed'],
    [
      'a run refused because a killed one is still stuck',
      { isBlockedByStuckChild: true, exitCode: null },
      'timeout',
      'an nvidia-smi killed after a timeout has not exited (the driver may be wedged); not starting another',
    ],
    [
      'no driver',
      {
        exitCode: 9,
        stdout: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n\n",
      },
      'driver_unavailable',
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running. (exit 9)",
    ],
    [
      'a driver/library mismatch',
      { exitCode: 18, stdout: 'Failed to initialize NVML: Driver/library version mismatch\nNVML library version: 570.133\n' },
      'driver_unavailable',
      'Failed to initialize NVML: Driver/library version mismatch (exit 18)',
    ],
    ['no device', { exitCode: 6, stdout: 'No devices were found\n' }, 'no_gpu', 'No devices were found (exit 6)'],
    ['an empty answer', { exitCode: 0, stdout: '\n' }, 'no_gpu', '/usr/bin/nvidia-smi listed no GPU'],
    [
      'an unknown field',
      { exitCode: 2, stdout: 'Field "mig.mode.current" is not a valid field to query.\n\n' },
      'unsupported_field',
      'Field "mig.mode.current" is not a valid field to query. (exit 2)',
    ],
    ['output that is not CSV', { exitCode: 0, stdout: '<html>502</html>\n' }, 'unparsable', '<html>502</html>'],
    ['an unknown failure', { exitCode: 255, stderr: 'Unknown Error\n' }, 'command_failed', 'Unknown Error (exit 255)'],
    ['a child killed by someone else', { exitCode: null }, 'command_failed', 'no output (killed)'],
  ])('reads %s as a failure with its reason and one line of detail', (_, partial, reason, detail) => {
    const result = interpret(partial);
    expect(result.gpus).toEqual([]);
    expect(result.failure).toEqual({ reason, detail });
  });

  it('keeps the GPUs it read when one fell off the bus, and names the failure', () => {
    const result = interpret({
      exitCode: 15,
      stdout: `${ROW}\nUnable to determine the device handle for GPU0000:5D:00.0: Unknown Error\n2, GPU-c, 10, 1, 2, 40, 50.00, 1000, Disabled, Card\n`,
    });
    expect(result.gpus.map((gpu) => gpu.uuid)).toEqual(['GPU-a', 'GPU-c']);
    expect(result.failure).toEqual({ reason: 'gpu_lost', detail: 'Unable to determine the device handle for GPU0000:5D:00.0: Unknown Error (exit 15)' });
  });

  it('keeps the GPUs of a run that exited non-zero for another reason, as command_failed', () => {
    const result = interpret({ exitCode: 255, stdout: `${ROW}\n` });
    expect(result.gpus).toHaveLength(1);
    expect(result.failure).toEqual({ reason: 'command_failed', detail: 'incomplete output (exit 255)' });
  });

  it('cuts a long detail to 300 characters', () => {
    const result = interpret({ exitCode: 1, stdout: `${'x'.repeat(1000)}\n` });
    expect(result.failure?.detail).toBe(`${'x'.repeat(300)} (exit 1)`);
  });
});

describe('runFailure', () => {
  it('says nothing about a run that finished, whatever its output', () => {
    expect(runFailure(run({ exitCode: 3, stdout: 'something' }), context)).toBeNull();
  });
});
