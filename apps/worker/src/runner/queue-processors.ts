/** Provider token: every QueueProcessor of the worker (listed in WorkerModule). */
export const QUEUE_PROCESSORS = Symbol('QUEUE_PROCESSORS');
