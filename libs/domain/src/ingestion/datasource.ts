import { TextSplit } from '@labwire/providers';

export const DATASOURCE_TYPES = ['csv', 'json', 'ndjson', 'text', 'pdf', 'urls'] as const;
export type DatasourceType = (typeof DATASOURCE_TYPES)[number];
/** What an uploaded file can be. */
export const FILE_DATASOURCE_TYPES = ['csv', 'json', 'ndjson', 'text', 'pdf'] as const;
export type FileDatasourceType = (typeof FILE_DATASOURCE_TYPES)[number];

/**
 * Where a data source stands, from its last ingestion job: `pending` (queued, or no job yet),
 * `ingesting`, `ingested`, `failed` or `cancelled`.
 */
export const DATASOURCE_STATUSES = ['pending', 'ingesting', 'ingested', 'failed', 'cancelled'] as const;
export type DatasourceStatus = (typeof DATASOURCE_STATUSES)[number];

/** How a data source is read; fixed when it is created. */
export interface DatasourceOptions {
  /** csv: the delimiter, given or detected */
  delimiter?: string;
  /** csv: the column holding the text */
  textColumn?: string;
  /** json, ndjson: the field holding the text */
  textField?: string;
  /** text: records per line or per paragraph */
  split?: TextSplit;
  /** urls: how many URLs the list holds */
  urlCount?: number;
}

/** An uploaded file, URL list or text block of a workspace, and what its ingestion made of it. */
export interface Datasource {
  id: string;
  workspaceId: string;
  name: string;
  type: DatasourceType;
  /** bytes stored */
  size: number;
  /** SHA-256 of the stored bytes, hex */
  checksum: string;
  options: DatasourceOptions;
  /** a classification scheme to run once ingested (stored for the classification job chain) */
  classifySchemeId: string | null;
  status: DatasourceStatus;
  /** records stored, as of the last ingestion (less deleted ones) */
  recordCount: number;
  /** rows, lines, items, pages or URLs the last ingestion could not use */
  errorCount: number;
  lastJobId: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}
