import { startRedisSentinel } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { describeTopology } from './support/redis-topology-scenario.js';

/** Redis Sentinel: a master, a replica and three sentinels; the master is killed under traffic. */
describeTopology('Redis Sentinel', async () => {
  const sentinel = await startRedisSentinel();
  const sentinels = sentinel.sentinelsVariable.split(',').map((address) => ({ host: '127.0.0.1', port: Number(address.split(':')[1]) }));
  return {
    prefix: sentinel.prefix,
    env: { REDIS_SENTINELS: sentinel.sentinelsVariable, REDIS_SENTINEL_NAME: sentinel.masterName },
    client: () => new Redis({ sentinels, name: sentinel.masterName }).on('error', () => undefined),
    killKeyspaceMaster: () => sentinel.killMaster(),
    stop: () => sentinel.stop(),
  };
});
