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
import { Notifications1795420000000 } from './1795420000000-notifications';
import { Experiments1795430000000 } from './1795430000000-experiments';
import { CalibrationAndMaintenance1795440000000 } from './1795440000000-calibration-and-maintenance';
import { AccountsByEmail1795450000000 } from './1795450000000-accounts-by-email';
import { Schedules1795460000000 } from './1795460000000-schedules';
import { ShareLinksAndImportLedger1795470000000 } from './1795470000000-share-links-and-import-ledger';

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
  Notifications1795420000000,
  Experiments1795430000000,
  CalibrationAndMaintenance1795440000000,
  AccountsByEmail1795450000000,
  Schedules1795460000000,
  ShareLinksAndImportLedger1795470000000,
];
