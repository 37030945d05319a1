/**
 * The one place a deployment's Redis key space is named. Every key of a deployment and its BullMQ
 * queue prefix start with `{<QUEUE_PREFIX>}`: Redis Cluster hashes only the part between the first
 * braces (a hash tag), so all of them live in one slot. That is what lets one Lua script touch the
 * once-only guard, the window, the ledger and the request records together (Cluster refuses
 * CROSSSLOT scripts, MULTI and MGET otherwise), and what BullMQ requires of its prefix on Cluster
 * (its scripts touch several keys of a queue; bullmq#906).
 *
 * The tag applies on a single node and on Sentinel too, not only on Cluster: one set of key names,
 * so the tests on one redis-server exercise the names Cluster sees, and a deployment can move from
 * one node to Cluster (by migrating its keys) without renaming anything. The price: one
 * deployment's state is one slot, so it sits on one master and cannot be spread over several
 * (run several deployments with different QUEUE_PREFIX values to use several masters).
 */
export function redisKeyspace(prefix: string): string {
  return `{${prefix}}`;
}
