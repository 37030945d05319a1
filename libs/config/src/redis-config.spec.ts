import { z } from 'zod';
import { ConfigError, loadConfig } from './load-config.js';
import { commonConfig, redisTopologyCheck } from './schema-pieces.js';

const schema = z.object({ ...commonConfig }).superRefine(redisTopologyCheck);

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(schema, env);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
}

describe('Redis topology variables', () => {
  it('parses cluster nodes and sentinels into host and port, IPv6 in brackets', () => {
    const config = loadConfig(schema, { REDIS_CLUSTER_NODES: 'redis-0:7000, 10.0.0.2:7001,[::1]:7002' });
    expect(config.REDIS_CLUSTER_NODES).toEqual([
      { host: 'redis-0', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    const sentinel = loadConfig(schema, { REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_NAME: 'mymaster' });
    expect(sentinel.REDIS_SENTINELS).toEqual([
      { host: 's1', port: 26379 },
      { host: 's2', port: 26379 },
    ]);
  });

  it('leaves both unset by default, so REDIS_URL alone selects one node', () => {
    const config = loadConfig(schema, {});
    expect([config.REDIS_CLUSTER_NODES, config.REDIS_SENTINELS, config.REDIS_URL]).toEqual([undefined, undefined, 'redis://127.0.0.1:6379']);
  });

  it('names the bad entry by position, never by value', () => {
    expect(problemsOf({ REDIS_CLUSTER_NODES: 'redis-0:7000,secret-host' })).toEqual(['REDIS_CLUSTER_NODES: entry 2 is not host:port (port 1-65535), in a comma-separated list']);
    expect(problemsOf({ REDIS_CLUSTER_NODES: 'redis-0:70000' })).toEqual(['REDIS_CLUSTER_NODES: entry 1 is not host:port (port 1-65535), in a comma-separated list']);
    expect(problemsOf({ REDIS_SENTINELS: 's1:26379,,s2:26379', REDIS_SENTINEL_NAME: 'm' })).toEqual(['REDIS_SENTINELS: entry 2 is not host:port (port 1-65535), in a comma-separated list']);
  });

  it('refuses sentinels without a master name, a name without sentinels, and both topologies at once', () => {
    expect(problemsOf({ REDIS_SENTINELS: 's1:26379' })).toEqual(['REDIS_SENTINEL_NAME: required with REDIS_SENTINELS: the name of the master the sentinels watch']);
    expect(problemsOf({ REDIS_SENTINEL_NAME: 'mymaster' })).toEqual(['REDIS_SENTINELS: required with REDIS_SENTINEL_NAME: the sentinels to ask for the master']);
    expect(problemsOf({ REDIS_CLUSTER_NODES: 'r:7000', REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'm' })).toEqual([
      'REDIS_SENTINELS: set either REDIS_CLUSTER_NODES (Cluster) or REDIS_SENTINELS (Sentinel), not both',
    ]);
  });

  it('keeps REDIS_PASSWORD out of every message', () => {
    expect(problemsOf({ REDIS_PASSWORD: 'hunter2-very-secret', REDIS_SENTINELS: 'x' }).join('\n')).not.toContain('hunter2');
  });
});
