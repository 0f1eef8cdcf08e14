import { RecordCursor, RecordFilter } from '../ingestion/record.repository';

/** Which records a classification job labels: some data sources, or the records a filter finds. */
export interface RecordSelection {
  datasourceIds?: string[];
  filter?: RecordFilter;
}

/** A classification job's input, as the job shows it (`input`). */
export interface ClassificationJobInput extends RecordSelection, Record<string, unknown> {
  schemeId: string;
  schemeName: string;
  /** the version the job classifies with (frozen when the job was created) */
  schemeVersion: number;
  /** set when an ingestion job started it (an upload with classifySchemeId) */
  ingestionJobId?: string;
}

/** Where a job stands: the segment (data source) it is in, and the last record committed there. */
export interface ClassificationCursor {
  segment: number;
  after: RecordCursor | null;
}

/** The record filters a selection is walked in, one after the other. */
export function selectionSegments(selection: RecordSelection): RecordFilter[] {
  return selection.datasourceIds
    ? selection.datasourceIds.map((datasourceId) => ({ datasourceId }))
    : [selection.filter ?? {}];
}
