export { createRedisClient, REDIS, RedisModule, redisProblem, type RedisModuleOptions } from './redis.module.js';
export { LuaScript } from './lua-script.js';
