import { EventEmitter } from 'node:events';
import { Queue } from 'bullmq';
import { guardConnectionErrors } from '../../../libs/queue/src';

/**
 * Regression: BullMQ (5.81) closes a still-connecting connection by removing all its listeners and
 * only then emits the failed attempt's 'error' on it. Unguarded, that throws "Unhandled error" into
 * whatever runs next (seen as a random failing test here; a crash on a fast shutdown in production).
 */
describe('BullMQ connection errors after close', () => {
  function lateError(queue: Queue): () => void {
    const connection = (queue as unknown as { connection: EventEmitter }).connection;
    return () => {
      connection.removeAllListeners('error');
      connection.emit('error', new Error('Connection is closed.'));
    };
  }

  it('would throw unguarded', async () => {
    const queue = new Queue('guard-test', { connection: { host: '127.0.0.1', port: 6379 }, prefix: 'lwt:guard' });
    try {
      expect(lateError(queue)).toThrow('Connection is closed.');
    } finally {
      await queue.close();
    }
  });

  it('is dropped once guarded, while listeners still receive errors', async () => {
    const queue = guardConnectionErrors(
      new Queue('guard-test', { connection: { host: '127.0.0.1', port: 6379 }, prefix: 'lwt:guard' }),
    );
    try {
      const seen: string[] = [];
      queue.on('error', (err) => seen.push(err.message));
      (queue as unknown as { connection: EventEmitter }).connection.emit('error', new Error('while open'));
      expect(seen).toEqual(['while open']);
      expect(lateError(queue)).not.toThrow();
    } finally {
      await queue.close();
    }
  });
});
