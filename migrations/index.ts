import { InitialSchema1795303452549 } from './1795303452549-initial-schema';
import { Telemetry1795306815235 } from './1795306815235-telemetry';
import { TelemetryHourly1795308000000 } from './1795308000000-telemetry-hourly';
import { InstrumentLiveStateAndCommands1795320000000 } from './1795320000000-instrument-live-state-and-commands';
import { Jobs1795330000000 } from './1795330000000-jobs';
import { DatasourcesAndRecords1795340000000 } from './1795340000000-datasources-and-records';
import { Classification1795350000000 } from './1795350000000-classification';
import { ClassificationResultsLayout1795351000000 } from './1795351000000-classification-results-layout';
import { ClassificationResultsByPosition1795352000000 } from './1795352000000-classification-results-by-position';
import { TelemetryPurge1795370000000 } from './1795370000000-telemetry-purge';
import { TelemetryDrops1795380000000 } from './1795380000000-telemetry-drops';
import { TelemetryCompressOrderby1795395000000 } from './1795395000000-telemetry-compress-orderby';
import { Alerts1795400000000 } from './1795400000000-alerts';
import { AlertRules1795410000000 } from './1795410000000-alert-rules';

/** Every migration, in order. Listed explicitly so builds and tests never depend on file globbing. */
export const MIGRATIONS = [
  InitialSchema1795303452549,
  Telemetry1795306815235,
  TelemetryHourly1795308000000,
  InstrumentLiveStateAndCommands1795320000000,
  Jobs1795330000000,
  DatasourcesAndRecords1795340000000,
  Classification1795350000000,
  ClassificationResultsLayout1795351000000,
  ClassificationResultsByPosition1795352000000,
  TelemetryPurge1795370000000,
  TelemetryDrops1795380000000,
  TelemetryCompressOrderby1795395000000,
  Alerts1795400000000,
  AlertRules1795410000000,
];
