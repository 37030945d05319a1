import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/** The one client type the apps use: a single node or a Sentinel-managed master (`Redis`), or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

export interface RedisAddress {
  host: string;
  port: number;
}

/** The Redis variables of every app's config (libs/config `commonConfig`), already validated. */
export interface RedisSettings {
  REDIS_URL: string;
  REDIS_CLUSTER_NODES?: RedisAddress[] | undefined;
  REDIS_SENTINELS?: RedisAddress[] | undefined;
  REDIS_SENTINEL_NAME?: string | undefined;
  REDIS_PASSWORD?: string | undefined;
}

export type RedisTopology = 'single' | 'cluster' | 'sentinel';

/** Which topology the settings select: Cluster or Sentinel when set, else the one node of REDIS_URL. */
export function redisTopologyOf(settings: RedisSettings): RedisTopology {
  if (settings.REDIS_CLUSTER_NODES?.length) return 'cluster';
  if (settings.REDIS_SENTINELS?.length) return 'sentinel';
  return 'single';
}

export interface RedisClientOptions {
  /** Shown in CLIENT LIST, to tell the apps' connections apart. */
  connectionName: string;
  /**
   * `shared` (default): fails fast while Redis is away instead of queueing commands without bound;
   * callers decide what an outage means for them. `queue-worker`: what BullMQ requires of a
   * Worker's connection (commands wait and retry without limit, blocking reads).
   */
  role?: 'shared' | 'queue-worker';
}

const CONNECT_TIMEOUT_MS = 2000;

function retryDelayMs(attempt: number): number {
  return Math.min(50 * 2 ** attempt, 2000);
}

/**
 * A client for the topology the settings select, reconnecting by itself with a capped backoff:
 * on Cluster it follows MOVED redirections and refreshes its slot map when a replica is promoted;
 * on Sentinel it asks the sentinels for the master again whenever the connection drops, and
 * reconnects at once when they announce a switch (+switch-master).
 */
export function createRedisClient(settings: RedisSettings, options: RedisClientOptions): RedisClient {
  const isShared = (options.role ?? 'shared') === 'shared';
  const nodeOptions: RedisOptions = {
    connectionName: options.connectionName,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: isShared ? 1 : null,
    enableOfflineQueue: !isShared,
    retryStrategy: retryDelayMs,
    lazyConnect: false,
    ...(settings.REDIS_PASSWORD ? { password: settings.REDIS_PASSWORD } : {}),
  };
  const topology = redisTopologyOf(settings);
  let client: RedisClient;
  if (topology === 'cluster') {
    const clusterOptions: ClusterOptions = {
      redisOptions: nodeOptions,
      enableOfflineQueue: !isShared,
      clusterRetryStrategy: retryDelayMs,
      // a promoted replica takes over the slots; ask again soon rather than failing the command
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
      lazyConnect: false,
    };
    client = new Cluster(settings.REDIS_CLUSTER_NODES!, clusterOptions);
  } else if (topology === 'sentinel') {
    client = new Redis({
      ...nodeOptions,
      sentinels: settings.REDIS_SENTINELS!,
      name: settings.REDIS_SENTINEL_NAME!,
      sentinelRetryStrategy: retryDelayMs,
      failoverDetector: true,
    });
  } else {
    // a password in the URL wins; REDIS_PASSWORD fills in for a URL without one
    const hasUrlPassword = new URL(settings.REDIS_URL).password !== '';
    client = new Redis(settings.REDIS_URL, hasUrlPassword ? { ...nodeOptions, password: undefined } : nodeOptions);
  }
  // without a listener ioredis prints every failed reconnection; readiness reports the outage instead
  client.on('error', () => undefined);
  return client;
}

/** A second connection like `client` (its own socket: blocking reads must not stall the shared one). */
export function duplicateClient(client: RedisClient, connectionName: string): RedisClient {
  const copy =
    client instanceof Cluster
      ? client.duplicate(undefined, { redisOptions: { ...client.options.redisOptions, connectionName } })
      : client.duplicate({ connectionName });
  copy.on('error', () => undefined);
  return copy;
}

/**
 * The connection to the master that holds `key` (on a single node or Sentinel, the client itself;
 * on Cluster, the node its slot map names), for the few commands that take no key but must reach
 * that master: WAIT, and SCAN.
 */
export function nodeForKey(client: RedisClient, key: string): Redis | undefined {
  if (!(client instanceof Cluster)) return client;
  const owner = client.slots[keySlot(key)]?.[0];
  if (!owner) return undefined;
  return client.nodes('master').find((node) => `${node.options.host}:${node.options.port}` === owner);
}

/** Every master (one on a single node or Sentinel), for commands such as SCAN that see one node's keys. */
export function masterNodes(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/**
 * Waits until `replicas` replicas of the master holding `key` have every write this process sent
 * there so far (WAIT), at most `timeoutMs`; returns how many did. Replication is asynchronous: a
 * write a master acknowledged and lost before a replica had it is gone after a failover, unless
 * the writer waited for it like this and wrote again when too few replicas confirmed.
 */
export async function waitForReplicas(client: RedisClient, key: string, replicas: number, timeoutMs: number): Promise<number> {
  const node = nodeForKey(client, key);
  if (!node) return 0;
  return node.wait(replicas, timeoutMs);
}

/** The Cluster slot of a key: CRC16 (XMODEM) of its hash tag, or of the whole key without one, mod 16384. */
export function keySlot(key: string): number {
  const bytes = Buffer.from(key);
  const open = bytes.indexOf(0x7b);
  let start = 0;
  let end = bytes.length;
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1);
    // an empty tag `{}` does not count: the whole key is hashed
    if (close > open + 1) {
      start = open + 1;
      end = close;
    }
  }
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i]! << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16_384;
}
