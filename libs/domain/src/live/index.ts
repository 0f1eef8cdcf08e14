export * from './instrument-live-channels';
export * from './live-channels';
export * from './live-event-publisher';
export * from './live.module';
