import { JOB_NAMES, JobName, QueueName } from '@labwire/queue';
import { MissingJobHandlersError } from '../processors/worker.errors';
import { assertJobHandlers, jobHandlerProblems, ProcessorRegistration } from './job-handler-registry';

const processor = (queue: QueueName, names: string[]): ProcessorRegistration => ({
  queue,
  handledJobNames: () => names,
});

describe('job handler registry check', () => {
  it('passes when every JobName is handled by its queue processor', () => {
    expect(jobHandlerProblems([processor(QueueName.Maintenance, [...JOB_NAMES])])).toEqual([]);
    expect(() => assertJobHandlers([processor(QueueName.Maintenance, [...JOB_NAMES])])).not.toThrow();
  });

  it('fails naming the job when its processor has no handler for it', () => {
    const run = () => assertJobHandlers([processor(QueueName.Maintenance, [])]);
    expect(run).toThrow(MissingJobHandlersError);
    expect(run).toThrow(/job "maintenance\.purge" has no handler in the processor of queue "maintenance"/);
  });

  it('fails naming the queue when a queue has no processor at all', () => {
    expect(jobHandlerProblems([])).toContain(
      `job "${JobName.MaintenancePurge}" has no handler: queue "maintenance" has no processor`,
    );
  });

  it('refuses handlers for names outside the contract and duplicate processors', () => {
    const problems = jobHandlerProblems([
      processor(QueueName.Maintenance, [...JOB_NAMES, 'maintenance.unknown']),
      processor(QueueName.Maintenance, [...JOB_NAMES]),
    ]);
    expect(problems).toContain('queue "maintenance" has 2 processors; it must have exactly one');
    expect(problems).toContain('queue "maintenance" handles "maintenance.unknown", which is not a JobName');
  });
});
