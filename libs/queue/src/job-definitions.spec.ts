import { DEFAULT_CONCURRENCY, JOB_DEFINITIONS, QUEUE_JOBS } from './job-definitions';
import { JOB_NAMES, JobName } from './job-name';
import { QUEUE_NAMES, QueueName } from './queue-name';

describe('job contract', () => {
  it('maps every job to its queue and every queue to its jobs', () => {
    expect(QUEUE_JOBS[QueueName.Maintenance]).toEqual([
      JobName.MaintenancePurge,
      JobName.TelemetryRetention,
      JobName.JobsSweep,
      JobName.CalibrationCheckDue,
    ]);
    expect(QUEUE_JOBS[QueueName.Telemetry]).toEqual([JobName.TelemetryStoreBatch, JobName.TelemetryBackfill]);
    expect(QUEUE_JOBS[QueueName.Instruments]).toEqual([
      JobName.InstrumentCheckLiveness,
      JobName.InstrumentDispatchCommands,
      JobName.InstrumentCommandTimeout,
      JobName.InstrumentCommandExpire,
      JobName.InstrumentSweepCommands,
      JobName.InstrumentMaintenanceEdge,
      JobName.InstrumentMaintenanceSweep,
    ]);
    expect(QUEUE_JOBS[QueueName.Ingestion]).toEqual([JobName.IngestionRun]);
    expect(QUEUE_JOBS[QueueName.Classification]).toEqual([JobName.ClassificationRun]);
    expect(QUEUE_NAMES.flatMap((q) => QUEUE_JOBS[q]).sort()).toEqual([...JOB_NAMES].sort());
  });

  it('gives every job attempts, backoff, a timeout and bounded retention', () => {
    for (const name of JOB_NAMES) {
      const { options, timeoutMs } = JOB_DEFINITIONS[name];
      expect(options.attempts).toBeGreaterThanOrEqual(1);
      expect(options.backoff).toBeDefined();
      expect(timeoutMs).toBeGreaterThan(0);
      expect(options.removeOnComplete).toBeDefined();
      expect(options.removeOnFail).toBeDefined();
    }
  });

  it('keeps job names stable (they are stored in Redis)', () => {
    expect(JobName.MaintenancePurge).toBe('maintenance.purge');
    expect(QueueName.Maintenance).toBe('maintenance');
    for (const q of QUEUE_NAMES) expect(DEFAULT_CONCURRENCY[q]).toBeGreaterThanOrEqual(1);
  });
});
