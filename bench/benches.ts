import { alertsBench } from './alerts/alerts.bench';
import { apiInstrumentsBench } from './api-instruments/api-instruments.bench';
import { classifyBench } from './classify/classify.bench';
import { experimentsBench } from './experiments/experiments.bench';
import { ingestCsvBench } from './ingest-csv/ingest-csv.bench';
import { telemetryE2eBench } from './telemetry-e2e/telemetry-e2e.bench';
import { telemetryQueryBench } from './telemetry-query/telemetry-query.bench';
import { transferBench } from './transfer/transfer.bench';

export type Bench = () => Promise<Record<string, unknown>>;

export const BENCHES: Record<string, Bench> = {
  'api-instruments': apiInstrumentsBench,
  'telemetry-query': telemetryQueryBench,
  'telemetry-e2e': telemetryE2eBench,
  'ingest-csv': ingestCsvBench,
  classify: classifyBench,
  transfer: transferBench,
  experiments: experimentsBench,
  alerts: alertsBench,
};
