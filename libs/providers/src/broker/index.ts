export * from './broker-admin';
export * from './broker.errors';
export * from './broker.module';
export * from './broker-health-check';
export * from './instrument-topics';
export * from './local-mosquitto';
export * from './mosquitto-dynsec-broker-admin';
