import { apiInstrumentsBench } from './api-instruments/api-instruments.bench';
import { telemetryQueryBench } from './telemetry-query/telemetry-query.bench';

export type Bench = () => Promise<Record<string, unknown>>;

export const BENCHES: Record<string, Bench> = {
  'api-instruments': apiInstrumentsBench,
  'telemetry-query': telemetryQueryBench,
};
