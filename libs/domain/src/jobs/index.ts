export * from './job-events';
export * from './job-payload.repository';
export * from './job-runner';
export * from './job.entity';
export * from './job.repository';
export * from './jobs.errors';
export * from './jobs.module';
export * from './jobs.service';
