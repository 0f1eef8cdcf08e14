import { EventEmitter } from 'node:events';
import type { Queue, Worker } from 'bullmq';

type WithConnections = { connection?: EventEmitter; blockingConnection?: EventEmitter };

/**
 * BullMQ (5.81) closes a connection that is still connecting by removing all its listeners, and only
 * then does the failed connection attempt emit 'error' on it. An 'error' event nobody listens to
 * throws, so closing a queue or worker during start-up (a fast shutdown, Redis not yet reachable)
 * could crash the process. Past that point nobody can act on the error: drop it instead of throwing.
 */
export function guardConnectionErrors<T extends Queue | Worker>(target: T): T {
  const internals = target as unknown as WithConnections;
  for (const connection of [internals.connection, internals.blockingConnection]) {
    if (!connection) continue;
    const emit = connection.emit.bind(connection);
    connection.emit = (event: string | symbol, ...args: unknown[]) =>
      event === 'error' && connection.listenerCount('error') === 0 ? false : emit(event, ...args);
  }
  return target;
}
