import { redisKeyspace } from '@tokenscope/queue-contracts';
import { startRedisCluster } from '@tokenscope/testing';
import { Cluster } from 'ioredis';
import { describeTopology } from './support/redis-topology-scenario.js';

/** Redis Cluster: three masters with a replica each; the master of the deployment's one slot is killed under traffic. */
describeTopology('Redis Cluster', async () => {
  const cluster = await startRedisCluster();
  return {
    prefix: cluster.prefix,
    env: { REDIS_CLUSTER_NODES: cluster.nodesVariable },
    client: () => new Cluster(cluster.nodes).on('error', () => undefined),
    killKeyspaceMaster: () => cluster.killMasterOf(redisKeyspace(cluster.prefix)),
    stop: () => cluster.stop(),
  };
});
