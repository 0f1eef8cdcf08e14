/** The first line of every export document. */
export const EXPORT_FORMAT = 'labwire.export';
/** The document version this code writes and reads; a newer one is refused (IMPORT_VERSION_UNSUPPORTED). */
export const EXPORT_VERSION = 1;

/** What an export can hold, in the order they are written (each after what it refers to). */
export const EXPORT_INCLUDES = [
  'locations',
  'instruments',
  'notification-channels',
  'alert-configs',
  'alert-rules',
  'classification-schemes',
  'datasources',
  'classification-jobs',
  'schedules',
  'telemetry',
] as const;
export type ExportInclude = (typeof EXPORT_INCLUDES)[number];

/** The telemetry window an export holds (only with `telemetry` included). */
export interface TelemetryWindow {
  from: Date;
  to: Date;
  /** only these instruments (of the workspace); all of them when absent */
  instrumentIds?: string[];
}

/**
 * What one export holds: some kinds of the whole workspace, or (a share link's document) only some
 * data sources, schemes or classification jobs and what they need.
 */
export interface ExportScope {
  workspaceId: string;
  include: ExportInclude[];
  datasourceIds?: string[];
  schemeIds?: string[];
  classificationJobIds?: string[];
  telemetry?: TelemetryWindow;
}

export interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  version: number;
  exportedAt: string;
  source: { workspaceId: string; workspaceName: string };
  include: ExportInclude[];
  telemetry?: { from: string; to: string };
}

/** One line after the header. */
export interface ExportLine {
  type: string;
  data: Record<string, unknown>;
}

/** The job's input, as the Jobs API shows it. */
export interface ExportJobInput extends Record<string, unknown> {
  include: ExportInclude[];
  datasourceIds?: string[];
  schemeIds?: string[];
  classificationJobIds?: string[];
  telemetry?: { from: string; to: string; instrumentIds?: string[] };
  /** set when a share link asked for it */
  shareLinkId?: string;
}

/**
 * Adds what the included kinds refer to (a classification job needs its scheme and data sources; an
 * alert config its channels; an alert rule its instruments and locations; a schedule its instruments
 * and schemes; a schedule on a data source the document lacks is left out rather than pulling in
 * every data source with its records).
 */
export function withDependencies(include: readonly ExportInclude[]): ExportInclude[] {
  const set = new Set(include);
  if (set.has('classification-jobs')) {
    set.add('classification-schemes');
    set.add('datasources');
  }
  if (set.has('telemetry')) set.add('instruments');
  // an alert config's channels, an alert rule's instrument or location, a schedule's instruments and schemes
  if (set.has('alert-configs')) set.add('notification-channels');
  if (set.has('alert-rules')) {
    set.add('instruments');
    set.add('locations');
  }
  if (set.has('schedules')) {
    set.add('instruments');
    set.add('classification-schemes');
  }
  return EXPORT_INCLUDES.filter((k) => set.has(k));
}
