import { apiInstrumentsBench } from './api-instruments/api-instruments.bench';

export type Bench = () => Promise<Record<string, unknown>>;

export const BENCHES: Record<string, Bench> = {
  'api-instruments': apiInstrumentsBench,
};
