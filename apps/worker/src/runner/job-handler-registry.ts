import { JOB_DEFINITIONS, JOB_NAMES, QUEUE_NAMES, QueueName } from '@labwire/queue';
import { MissingJobHandlersError } from '../processors/worker.errors';

/** What the registry check needs to know of a processor. */
export interface ProcessorRegistration {
  queue: QueueName;
  handledJobNames(): string[];
}

/**
 * Compares the running processors with the job contract: every queue has exactly one processor, and
 * every JobName is handled by the processor of its own queue. Returns the problems, empty when none.
 * The compiler checks the same through JobHandlers; this catches what it cannot (a processor left out
 * of the module, a cast, a handler map built at runtime).
 */
export function jobHandlerProblems(processors: readonly ProcessorRegistration[]): string[] {
  const problems: string[] = [];
  const byQueue = new Map<QueueName, ProcessorRegistration[]>();
  for (const p of processors) byQueue.set(p.queue, [...(byQueue.get(p.queue) ?? []), p]);
  for (const queue of QUEUE_NAMES) {
    const count = byQueue.get(queue)?.length ?? 0;
    if (count > 1) problems.push(`queue "${queue}" has ${count} processors; it must have exactly one`);
  }
  for (const name of JOB_NAMES) {
    const queue = JOB_DEFINITIONS[name].queue;
    const processor = byQueue.get(queue)?.[0];
    if (!processor) problems.push(`job "${name}" has no handler: queue "${queue}" has no processor`);
    else if (!processor.handledJobNames().includes(name)) {
      problems.push(`job "${name}" has no handler in the processor of queue "${queue}"`);
    }
  }
  const known = new Set<string>(JOB_NAMES);
  for (const p of processors) {
    for (const name of p.handledJobNames()) {
      if (!known.has(name)) problems.push(`queue "${p.queue}" handles "${name}", which is not a JobName`);
      else if (JOB_DEFINITIONS[name as keyof typeof JOB_DEFINITIONS].queue !== p.queue) {
        problems.push(`queue "${p.queue}" handles "${name}", which belongs to another queue`);
      }
    }
  }
  return problems;
}

/** Throws MissingJobHandlersError naming every gap; the worker calls this before it takes any job. */
export function assertJobHandlers(processors: readonly ProcessorRegistration[]): void {
  const problems = jobHandlerProblems(processors);
  if (problems.length) throw new MissingJobHandlersError(problems);
}
