/** The first line of every export document. */
export const EXPORT_FORMAT = 'labwire.export';
/** The document version this code writes and reads; a newer one is refused (IMPORT_VERSION_UNSUPPORTED). */
export const EXPORT_VERSION = 1;

/** What an export can hold, in the order they are written (each after what it refers to). */
export const EXPORT_INCLUDES = [
  'locations',
  'instruments',
  'classification-schemes',
  'datasources',
  'classification-jobs',
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

/** Adds what the included kinds refer to (a classification job needs its scheme and data sources). */
export function withDependencies(include: readonly ExportInclude[]): ExportInclude[] {
  const set = new Set(include);
  if (set.has('classification-jobs')) {
    set.add('classification-schemes');
    set.add('datasources');
  }
  if (set.has('telemetry')) set.add('instruments');
  return EXPORT_INCLUDES.filter((k) => set.has(k));
}
