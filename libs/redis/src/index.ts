export { createRedisClient, REDIS, RedisModule, redisProblem, type RedisModuleOptions } from './redis.module.js';
