import { DataSource, EntityManager } from 'typeorm';
import { ObjectStorage } from '@labwire/providers';
import { Actor } from '../audit/actor';
import { ExportInclude, ExportLine, ExportScope } from './export-format';
import { ImportLedger } from './import-ledger';
import { NdjsonGzipWriter } from './ndjson-writer';

/** What an exporter writes with. */
export interface ExportContext {
  scope: ExportScope;
  writer: NdjsonGzipWriter;
  dataSource: DataSource;
  storage: ObjectStorage;
  /** a query in the export's snapshot */
  query<T>(sql: string, params: unknown[]): Promise<T[]>;
  /** streams a query's rows, one JSON text per row (PostgreSQL's COPY), into the document */
  copyLines(sql: string): Promise<void>;
  /** throws when the job was cancelled */
  checkpoint(): Promise<void>;
  /** what earlier exporters wrote: type → source ids (e.g. the data sources a job may refer to) */
  written: Map<string, Set<string>>;
  /** reports progress within the kind */
  note(lines: number): Promise<void>;
}

export const UNIQUE_CONFLICT_POLICIES = ['skip', 'rename', 'fail'] as const;
export type ConflictPolicy = (typeof UNIQUE_CONFLICT_POLICIES)[number];

/** A name (or serial number, or content) in the document that the target workspace has already. */
export interface ImportConflict {
  line: number;
  type: string;
  field: string;
  value: string;
}

/** What validating a document found. */
export interface ValidationReport {
  format: string;
  version: number;
  counts: Record<string, number>;
  conflicts: ImportConflict[];
  conflictCount: number;
  errors: Array<{ line: number; message: string }>;
  errorCount: number;
}

/** What a validator checks against: the ids seen so far per type, the report being built. */
export interface ValidationContext {
  seen: Map<string, Set<string>>;
  /** the target workspace's unique values to look up once the document is read: type → field → value → line */
  uniques: Map<string, Map<string, Map<string, number>>>;
  error(line: number, message: string): void;
  /** a check that needs I/O (e.g. resolving a webhook's host), run once every line was read; it may call error */
  defer(check: () => Promise<void>): void;
}

/** What an importer writes with. */
export interface ImportContext {
  workspaceId: string;
  /** the document's key in the ledger (its SHA-256, or the share link it came from) */
  document: string;
  jobId: string;
  actor: Actor;
  onConflict: ConflictPolicy;
  dataSource: DataSource;
  storage: ObjectStorage;
  ledger: ImportLedger;
  /** source id → target id, per ledger kind */
  ids: Map<string, Map<string, string>>;
  /** source ids whose entity was skipped (it existed): their contents are not written, per ledger kind */
  skipped: Map<string, Set<string>>;
  /** how many entities this run wrote, per type */
  written: Record<string, number>;
  /** instruments written without broker credentials (rotate them to connect) */
  instrumentsWithoutCredentials: Array<{ id: string; serialNumber: string }>;
  /** webhook channels written disabled with a fresh secret nobody knows (rotate it, then enable the channel) */
  webhooksToRotate: Array<{ id: string; name: string }>;
  /** schedules written paused (resume them to run) */
  schedulesPaused: Array<{ id: string; name: string }>;
  /** entities renamed on a conflict */
  renamed: Array<{ type: string; from: string; to: string }>;
  checkpoint(): Promise<void>;
}

/** Reads one field of a line's data, or records why not. */
export type FieldCheck = (data: Record<string, unknown>) => string | null;

/**
 * One kind of entity in export documents: how it is exported (in dependency order, after what it
 * refers to), validated and imported. A new kind is one more class in the registry.
 */
export interface TransferKind {
  readonly include: ExportInclude;
  /** the line types it writes, in the order it writes them */
  readonly types: readonly string[];
  export(ctx: ExportContext): Promise<void>;
  /** checks one line of one of its types (its data's shape and references); ids it defines go to ctx.seen */
  validate(type: string, data: Record<string, unknown>, line: number, ctx: ValidationContext): void;
  /** the names of the target workspace's rows that clash with the document's (not written by this document) */
  conflicts?(
    workspaceId: string,
    document: string,
    values: Map<string, Map<string, number>>,
    em: EntityManager,
  ): Promise<ImportConflict[]>;
  /** writes a batch of lines of one type (consecutive in the document); answers how many were new */
  write(type: string, batch: ExportLine[], ctx: ImportContext): Promise<number>;
  /** the lines of its types are over (the next line is of another type, or the document ended) */
  flush?(ctx: ImportContext): Promise<void>;
  /** the whole document was written */
  finish?(ctx: ImportContext): Promise<void>;
}

/** Ids map; an unmapped reference is null. */
export function mapped(ctx: ImportContext, kind: string, sourceId: unknown): string | null {
  if (typeof sourceId !== 'string') return null;
  return ctx.ids.get(kind)?.get(sourceId) ?? null;
}

export function isSkipped(ctx: ImportContext, kind: string, sourceId: unknown): boolean {
  return typeof sourceId === 'string' && (ctx.skipped.get(kind)?.has(sourceId) ?? false);
}

/**
 * The target ids of the `kind` entities this document made (this run or an earlier one of the same
 * import), leaving out those it mapped to an existing row (skipped on a conflict).
 */
export function madeIds(ctx: ImportContext, kind: string): string[] {
  const ids = ctx.ids.get(kind);
  if (!ids?.size) return [];
  const skipped = ctx.skipped.get(kind) ?? new Set<string>();
  return [...ids].filter(([source]) => !skipped.has(source)).map(([, target]) => target);
}

export function remember(ctx: ImportContext, kind: string, sourceId: string, targetId: string, skipped = false): void {
  let ids = ctx.ids.get(kind);
  if (!ids) ctx.ids.set(kind, (ids = new Map()));
  ids.set(sourceId, targetId);
  if (skipped) {
    let set = ctx.skipped.get(kind);
    if (!set) ctx.skipped.set(kind, (set = new Set()));
    set.add(sourceId);
  }
}

export function see(ctx: ValidationContext, type: string, id: string): void {
  let set = ctx.seen.get(type);
  if (!set) ctx.seen.set(type, (set = new Set()));
  set.add(id);
}

export function seen(ctx: ValidationContext, type: string, id: unknown): boolean {
  return typeof id === 'string' && (ctx.seen.get(type)?.has(id) ?? false);
}

export function unique(ctx: ValidationContext, type: string, field: string, value: string, line: number): void {
  let byField = ctx.uniques.get(type);
  if (!byField) ctx.uniques.set(type, (byField = new Map()));
  let values = byField.get(field);
  if (!values) byField.set(field, (values = new Map()));
  if (values.has(value)) ctx.error(line, `${type} ${field} "${value}" appears twice in the document`);
  else values.set(value, line);
}

/** ISO-8601 time or null: what the document holds for times. */
export function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

/** A rename that no row of the workspace holds yet: "name (imported)", "name (imported 2)", … */
export function renamedValue(value: string, attempt: number): string {
  return attempt === 1 ? `${value} (imported)` : `${value} (imported ${attempt})`;
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A uuid for SQL text (COPY takes no parameters): checked, so it can be inlined safely. */
export function sqlUuid(id: string): string {
  if (!UUID_RE.test(id)) throw new Error(`not a uuid: ${id}`);
  return `'${id.toLowerCase()}'::uuid`;
}

/** `to_char` of a timestamptz as ISO-8601 UTC with milliseconds, the form JSON times take. */
export function sqlIso(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

export type { EntityManager };
