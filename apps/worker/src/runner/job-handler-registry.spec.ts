import { JOB_NAMES, JobName, QUEUE_JOBS, QUEUE_NAMES, QueueName } from '@labwire/queue';
import { MissingJobHandlersError } from '../processors/worker.errors';
import { assertJobHandlers, jobHandlerProblems, ProcessorRegistration } from './job-handler-registry';

const processor = (queue: QueueName, names: string[]): ProcessorRegistration => ({
  queue,
  handledJobNames: () => names,
});

/** One processor per queue handling exactly its jobs: what the worker registers. */
const complete = () => QUEUE_NAMES.map((q) => processor(q, [...QUEUE_JOBS[q]]));
const others = (except: QueueName) => complete().filter((p) => p.queue !== except);

describe('job handler registry check', () => {
  it('passes when every JobName is handled by its queue processor', () => {
    expect(jobHandlerProblems(complete())).toEqual([]);
    expect(() => assertJobHandlers(complete())).not.toThrow();
  });

  it('fails naming the job when its processor has no handler for it', () => {
    const run = () => assertJobHandlers([...others(QueueName.Maintenance), processor(QueueName.Maintenance, [])]);
    expect(run).toThrow(MissingJobHandlersError);
    expect(run).toThrow(/job "maintenance\.purge" has no handler in the processor of queue "maintenance"/);
  });

  it('fails naming the queue when a queue has no processor at all', () => {
    expect(jobHandlerProblems([])).toContain(
      `job "${JobName.MaintenancePurge}" has no handler: queue "maintenance" has no processor`,
    );
  });

  it('refuses a handler for a job of another queue', () => {
    const problems = jobHandlerProblems([
      ...others(QueueName.Maintenance),
      processor(QueueName.Maintenance, [...JOB_NAMES]),
    ]);
    expect(problems).toContain(
      `queue "maintenance" handles "${JobName.TelemetryStoreBatch}", which belongs to another queue`,
    );
  });

  it('refuses handlers for names outside the contract and duplicate processors', () => {
    const maintenanceJobs = [...QUEUE_JOBS[QueueName.Maintenance]];
    const problems = jobHandlerProblems([
      ...others(QueueName.Maintenance),
      processor(QueueName.Maintenance, [...maintenanceJobs, 'maintenance.unknown']),
      processor(QueueName.Maintenance, maintenanceJobs),
    ]);
    expect(problems).toContain('queue "maintenance" has 2 processors; it must have exactly one');
    expect(problems).toContain('queue "maintenance" handles "maintenance.unknown", which is not a JobName');
  });
});
