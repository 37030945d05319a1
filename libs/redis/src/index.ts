export { REDIS, RedisModule, redisProblem, type RedisModuleOptions, type RedisProbeOptions } from './redis.module.js';
export {
  createRedisClient,
  duplicateClient,
  keySlot,
  masterNodes,
  nodeForKey,
  redisTopologyOf,
  waitForReplicas,
  type RedisAddress,
  type RedisClient,
  type RedisClientOptions,
  type RedisSettings,
  type RedisTopology,
} from './redis-client.js';
export { LuaScript } from './lua-script.js';
