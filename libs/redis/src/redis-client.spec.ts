import { keySlot, redisTopologyOf } from './redis-client.js';

describe('keySlot', () => {
  // expected values: CLUSTER KEYSLOT on redis-server 7.0
  it('hashes a key as Redis Cluster does, and only the hash tag when there is one', () => {
    expect(keySlot('123456789')).toBe(12739);
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('{tokenscope}:quality:window:counts')).toBe(keySlot('tokenscope'));
    expect(keySlot('{tokenscope}:generation-events:wait')).toBe(keySlot('{tokenscope}'));
    expect(keySlot('{}tokenscope')).not.toBe(keySlot('tokenscope'));
  });
});

describe('redisTopologyOf', () => {
  it('lets Cluster or Sentinel win over REDIS_URL', () => {
    const url = 'redis://127.0.0.1:6379';
    expect(redisTopologyOf({ REDIS_URL: url })).toBe('single');
    expect(redisTopologyOf({ REDIS_URL: url, REDIS_CLUSTER_NODES: [{ host: 'a', port: 1 }] })).toBe('cluster');
    expect(redisTopologyOf({ REDIS_URL: url, REDIS_SENTINELS: [{ host: 'a', port: 1 }], REDIS_SENTINEL_NAME: 'm' })).toBe('sentinel');
  });
});
