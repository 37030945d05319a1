import { readFileSync } from 'node:fs';
import type { GpuStats } from '@tokenscope/queue-contracts';
import { GPU_QUERY_FIELDS, gpuQueryArgs, LEGACY_GPU_QUERY_FIELDS, NvidiaSmiCsvParser, processQueryArgs } from './nvidia-smi-csv.js';

const fixture = (scenario: string, query: 'query-gpu' | 'query-compute-apps') =>
  readFileSync(new URL(`../../test/fixtures/${scenario}/${query}.csv`, import.meta.url), 'utf8');

/** A GPU row as the parser must return it (processes are attached later). */
function gpu(
  index: number,
  uuid: string,
  name: string,
  values: Pick<GpuStats, 'utilizationPercent' | 'memoryUsedBytes' | 'memoryTotalBytes' | 'temperatureCelsius' | 'powerWatts' | 'smClockHertz' | 'isMigEnabled'>,
): GpuStats {
  return { index, uuid, name, ...values, processes: null };
}

const H100 = 'NVIDIA H100 80GB HBM3';
const H100_TOTAL = 85_520_809_984; // 81559 MiB

describe(NvidiaSmiCsvParser.name, () => {
  const parser = new NvidiaSmiCsvParser();

  it('asks nvidia-smi for CSV without header or units, in the fixtures field order', () => {
    expect(gpuQueryArgs(GPU_QUERY_FIELDS)).toEqual([
      '--query-gpu=index,uuid,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw,clocks.sm,mig.mode.current,name',
      '--format=csv,noheader,nounits',
    ]);
    expect(gpuQueryArgs(LEGACY_GPU_QUERY_FIELDS)[0]).toBe('--query-gpu=index,uuid,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw,clocks.sm,name');
    expect(processQueryArgs()).toEqual(['--query-compute-apps=gpu_uuid,pid,used_gpu_memory,process_name', '--format=csv,noheader,nounits']);
    const recordedFields = readFileSync(new URL('../../test/fixtures/query-gpu.fields', import.meta.url), 'utf8').trim();
    expect(recordedFields).toBe(GPU_QUERY_FIELDS.join(','));
  });

  it('reads an 8 x H100 SXM host under load in SI units (MiB -> bytes, MHz -> Hz, W)', () => {
    const parsed = parser.parseGpus(fixture('h100-sxm-8', 'query-gpu'));
    expect(parsed.unreadable).toEqual([]);
    expect(parsed.rows).toHaveLength(8);
    expect(parsed.rows[0]).toEqual(
      gpu(0, 'GPU-4b2f7c1e-93a0-5d86-1f2e-7a9c0b3d5e61', H100, {
        utilizationPercent: 100,
        memoryUsedBytes: 77_817_970_688, // 74213 MiB
        memoryTotalBytes: H100_TOTAL,
        temperatureCelsius: 63,
        powerWatts: 652.31,
        smClockHertz: 1_980_000_000,
        isMigEnabled: false,
      }),
    );
    expect(parsed.rows[3]).toEqual(
      gpu(3, 'GPU-1e7b3d58-f6a2-4c09-9d3e-8b5a2c6f1d47', H100, {
        utilizationPercent: 97,
        memoryUsedBytes: 77_792_804_864, // 74189 MiB
        memoryTotalBytes: H100_TOTAL,
        temperatureCelsius: 66,
        powerWatts: 689.45,
        smClockHertz: 1_965_000_000,
        isMigEnabled: false,
      }),
    );
    expect(parsed.rows.map((row) => row.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(parsed.rows.map((row) => row.powerWatts)).toEqual([652.31, 611.07, 634.92, 689.45, 598.6, 622.18, 645.73, 630.04]);
    expect(parsed.rows.map((row) => row.utilizationPercent)).toEqual([100, 98, 99, 97, 100, 96, 99, 100]);
  });

  it('reads the compute processes of the H100 host and puts each under its GPU', () => {
    const gpus = parser.parseGpus(fixture('h100-sxm-8', 'query-gpu')).rows;
    const processes = parser.parseProcesses(fixture('h100-sxm-8', 'query-compute-apps'));
    expect(processes.unreadable).toEqual([]);
    expect(processes.rows[0]).toEqual({
      gpuUuid: 'GPU-4b2f7c1e-93a0-5d86-1f2e-7a9c0b3d5e61',
      pid: 48_211,
      name: '/usr/bin/python3',
      usedMemoryBytes: 77_269_565_440, // 73690 MiB
    });
    const attached = parser.attachProcesses(gpus, processes.rows);
    expect(attached[0]?.processes).toEqual([{ pid: 48_211, name: '/usr/bin/python3', usedMemoryBytes: 77_269_565_440 }]);
    expect(attached[7]?.processes).toEqual([{ pid: 48_553, name: '/usr/bin/python3', usedMemoryBytes: 77_244_399_616 }]);
  });

  it('keeps the GPUs around a lost one and sets the error line aside', () => {
    const parsed = parser.parseGpus(fixture('h100-sxm-8-gpu3-lost', 'query-gpu'));
    expect(parsed.rows.map((row) => row.index)).toEqual([0, 1, 2, 4, 5, 6, 7]);
    expect(parsed.unreadable).toEqual(['Unable to determine the device handle for GPU0000:5D:00.0: Unknown Error']);
    expect(parsed.rows[3]?.powerWatts).toBe(601.93);
  });

  it('reads an A100 host with MIG: no utilization on MIG GPUs, memory summed over instances', () => {
    const parsed = parser.parseGpus(fixture('a100-sxm4-mig', 'query-gpu'));
    expect(parsed.unreadable).toEqual([]);
    expect(parsed.rows).toEqual([
      gpu(0, 'GPU-5e8a1c3f-7d20-4b96-a1e5-3c9f0d7b2a48', 'NVIDIA A100-SXM4-80GB', {
        utilizationPercent: null,
        memoryUsedBytes: 41_440_772_096,
        memoryTotalBytes: 85_899_345_920,
        temperatureCelsius: 41,
        powerWatts: 187.44,
        smClockHertz: 1_410_000_000,
        isMigEnabled: true,
      }),
      gpu(1, 'GPU-a29d6b71-0e4c-8f53-92b7-d4e1c6a0f835', 'NVIDIA A100-SXM4-80GB', {
        utilizationPercent: null,
        memoryUsedBytes: 20_795_359_232,
        memoryTotalBytes: 85_899_345_920,
        temperatureCelsius: 38,
        powerWatts: 142.9,
        smClockHertz: 1_410_000_000,
        isMigEnabled: true,
      }),
      gpu(2, 'GPU-0c7f3e95-b18a-2d64-e5f0-7a3b9c1d4e26', 'NVIDIA A100-SXM4-80GB', {
        utilizationPercent: 87,
        memoryUsedBytes: 74_496_081_920,
        memoryTotalBytes: 85_899_345_920,
        temperatureCelsius: 56,
        powerWatts: 331.27,
        smClockHertz: 1_410_000_000,
        isMigEnabled: false,
      }),
      gpu(3, 'GPU-e4b19d02-6f5a-c387-0d2e-b8f6a1c3e759', 'NVIDIA A100-SXM4-80GB', {
        utilizationPercent: 0,
        memoryUsedBytes: 0,
        memoryTotalBytes: 85_899_345_920,
        temperatureCelsius: 33,
        powerWatts: 61.52,
        smClockHertz: 210_000_000,
        isMigEnabled: false,
      }),
    ]);
    const attached = parser.attachProcesses(parsed.rows, parser.parseProcesses(fixture('a100-sxm4-mig', 'query-compute-apps')).rows);
    expect(attached[0]?.processes).toEqual([
      { pid: 7731, name: '/usr/bin/python3', usedMemoryBytes: 20_434_649_088 },
      { pid: 7902, name: '/opt/tritonserver/bin/tritonserver', usedMemoryBytes: 20_912_799_744 },
    ]);
    expect(attached[3]?.processes).toEqual([]);
  });

  it('reads a laptop GeForce whose power and MIG mode are [N/A]', () => {
    const parsed = parser.parseGpus(fixture('rtx-3060-laptop', 'query-gpu'));
    expect(parsed.rows).toEqual([
      gpu(0, 'GPU-b7e3f0a2-49c6-1d85-f2a7-6e0c3b9d1a54', 'NVIDIA GeForce RTX 3060 Laptop GPU', {
        utilizationPercent: 23,
        memoryUsedBytes: 1_986_002_944,
        memoryTotalBytes: 6_442_450_944,
        temperatureCelsius: 52,
        powerWatts: null,
        smClockHertz: 1_282_000_000,
        isMigEnabled: null,
      }),
    ]);
    expect(parser.parseProcesses(fixture('rtx-3060-laptop', 'query-compute-apps')).rows).toEqual([
      { gpuUuid: 'GPU-b7e3f0a2-49c6-1d85-f2a7-6e0c3b9d1a54', pid: 3120, name: '/usr/local/bin/ollama', usedMemoryBytes: 1_610_612_736 },
    ]);
  });

  it('reads a legacy GeForce with [Not Supported] fields through the field list without MIG', () => {
    const parsed = parser.parseGpus(fixture('gtx-770-legacy', 'query-gpu'), LEGACY_GPU_QUERY_FIELDS);
    expect(parsed.rows).toEqual([
      gpu(0, 'GPU-2f9c5d1a-8e3b-47c0-a6d9-1b5e8f2c7a03', 'GeForce GTX 770', {
        utilizationPercent: null,
        memoryUsedBytes: 1_305_477_120,
        memoryTotalBytes: 2_096_103_424,
        temperatureCelsius: 52,
        powerWatts: null,
        smClockHertz: null,
        isMigEnabled: null,
      }),
    ]);
    expect(parser.parseProcesses(fixture('gtx-770-legacy', 'query-compute-apps')).rows).toEqual([
      { gpuUuid: 'GPU-2f9c5d1a-8e3b-47c0-a6d9-1b5e8f2c7a03', pid: 2210, name: './darknet', usedMemoryBytes: null },
    ]);
  });

  it('reads an idle host with no compute process as an empty list', () => {
    const gpus = parser.parseGpus(fixture('h100-sxm-7', 'query-gpu')).rows;
    expect(gpus.map((g) => [g.index, g.uuid.slice(0, 12)])).toEqual([
      [0, 'GPU-4b2f7c1e'],
      [1, 'GPU-8d1e2a93'],
      [2, 'GPU-c05a9e47'],
      [3, 'GPU-6a9c4e02'],
      [4, 'GPU-f3d81b6c'],
      [5, 'GPU-27e5c9a1'],
      [6, 'GPU-9b4d6f2e'],
    ]);
    expect(parser.parseProcesses(fixture('h100-sxm-7', 'query-compute-apps'))).toEqual({ rows: [], unreadable: [] });
    expect(parser.attachProcesses(gpus, []).every((g) => Array.isArray(g.processes) && g.processes.length === 0)).toBe(true);
  });

  it.each(['[N/A]', '[Not Supported]', '[Unknown Error]', '[GPU is lost]', '[Requested functionality has been deprecated]', 'N/A', 'n/a?', ''])(
    'turns %p into null instead of a number',
    (value) => {
      const [row] = parser.parseGpus(`0, GPU-x, ${value}, 1, 2, 3, 4, 5, Disabled, Card`).rows;
      expect(row?.utilizationPercent).toBeNull();
    },
  );

  it('keeps commas inside the last, free-text column', () => {
    const [row] = parser.parseProcesses('GPU-x, 77, 10, /opt/my app, v2/serve --port 80').rows;
    expect(row).toEqual({ gpuUuid: 'GPU-x', pid: 77, name: '/opt/my app, v2/serve --port 80', usedMemoryBytes: 10_485_760 });
    expect(parser.parseGpus('0, GPU-x, 1, 1, 1, 1, 1, 1, Disabled, Odd, Name').rows[0]?.name).toBe('Odd, Name');
  });

  it('sets aside lines that are not rows: error text, short rows, rows without index or UUID', () => {
    const parsed = parser.parseGpus(
      [
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
        '0, GPU-x, 1, 2',
        'zero, GPU-x, 1, 1, 1, 1, 1, 1, Disabled, Card',
        '0, [N/A], 1, 1, 1, 1, 1, 1, Disabled, Card',
        '1, GPU-y, 1, 1, 1, 1, 1, 1, Disabled, [N/A]',
        '',
        '2, GPU-z, 5, 1, 1, 1, 1, 1, Disabled, Card',
      ].join('\r\n'),
    );
    expect(parsed.rows.map((row) => row.uuid)).toEqual(['GPU-z']);
    expect(parsed.unreadable).toHaveLength(5);
  });

  it('drops processes of a GPU it did not read and caps each GPU at 256 processes', () => {
    const [card] = parser.parseGpus('0, GPU-a, 1, 1, 1, 1, 1, 1, Disabled, Card').rows;
    const many = Array.from({ length: 300 }, (_, i) => ({ gpuUuid: 'GPU-a', pid: i, name: 'p', usedMemoryBytes: 0 }));
    const attached = parser.attachProcesses([card!], [...many, { gpuUuid: 'GPU-gone', pid: 1, name: 'q', usedMemoryBytes: 0 }]);
    expect(attached[0]?.processes).toHaveLength(256);
  });
});
