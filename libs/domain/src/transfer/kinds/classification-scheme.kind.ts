import { EntityManager } from 'typeorm';
import { ExportLine } from '../export-format';
import {
  ExportContext,
  ImportConflict,
  ImportContext,
  isSkipped,
  mapped,
  see,
  seen,
  sqlIso,
  sqlUuid,
  TransferKind,
  unique,
  ValidationContext,
  madeIds,
} from '../transfer-kind';
import { conflictsByValue, num, obj, str, strOrNull } from './checks';
import { insertReturningId, writeEntities, existingBy } from './entity-writer';

/** A definition as exported: the provider's API key is never in it (it is kept apart, encrypted, and not exported). */
const DEFINITION = `((definition #- '{provider,apiKey}') - 'apiKey')`;

/**
 * The data sources a definition trains on, as the target workspace knows them (ids the ledger maps,
 * or maps to; others dropped). Data sources come after schemes in a document, so this runs at the
 * end; an id that is already a target stays, so running it again changes nothing.
 */
function remapTraining(table: string, idColumn: string): string {
  return `UPDATE ${table} t SET definition = jsonb_set(t.definition, '{training,datasourceIds}', (
      SELECT COALESCE(jsonb_agg(l.target_id ORDER BY e.n), '[]'::jsonb)
        FROM jsonb_array_elements_text(t.definition -> 'training' -> 'datasourceIds') WITH ORDINALITY AS e(id, n)
        JOIN import_ledger l ON l.workspace_id = $1 AND l.document = $2 AND l.kind = 'datasource'
         AND (l.source_id = e.id OR l.target_id::text = e.id)))
    WHERE t.workspace_id = $1 AND t.${idColumn} = ANY($3::uuid[])
      AND jsonb_typeof(t.definition -> 'training' -> 'datasourceIds') = 'array'`;
}

/**
 * Classification schemes (unique by name) and their frozen versions. The provider API key stays
 * behind: an imported scheme with the http provider needs its key set again.
 */
export class ClassificationSchemeKind implements TransferKind {
  readonly include = 'classification-schemes' as const;
  readonly types = ['classification-scheme', 'classification-scheme-version'] as const;

  async export(ctx: ExportContext): Promise<void> {
    const ws = sqlUuid(ctx.scope.workspaceId);
    const only = ctx.scope.schemeIds ? ` AND s.id IN (${ctx.scope.schemeIds.map(sqlUuid).join(', ')})` : '';
    // Each scheme then its versions, schemes by name: one query, ordered by (scheme name, 0 | version).
    await ctx.copyLines(
      `SELECT line FROM (
         SELECT s.name, s.id, 0 AS version, json_build_object('type', 'classification-scheme', 'data', json_build_object(
           'id', s.id, 'name', s.name, 'description', s.description, 'definition', ${DEFINITION.replace(/definition/g, 's.definition')},
           'version', s.version, 'createdAt', ${sqlIso('s.created_at')})) AS line
           FROM classification_schemes s WHERE s.workspace_id = ${ws}${only}
         UNION ALL
         SELECT s.name, s.id, v.version, json_build_object('type', 'classification-scheme-version', 'data', json_build_object(
           'schemeId', v.scheme_id, 'version', v.version, 'name', v.name, 'description', v.description,
           'definition', ${DEFINITION.replace(/definition/g, 'v.definition')}, 'createdAt', ${sqlIso('v.created_at')}))
           FROM classification_scheme_versions v JOIN classification_schemes s ON s.id = v.scheme_id
          WHERE s.workspace_id = ${ws}${only}
       ) x ORDER BY x.name, x.id, x.version`,
    );
  }

  validate(type: string, d: Record<string, unknown>, line: number, ctx: ValidationContext): void {
    const what = type === 'classification-scheme' ? 'classification scheme' : 'classification scheme version';
    const problems = [
      type === 'classification-scheme' ? str(d, 'id') : str(d, 'schemeId'),
      str(d, 'name'),
      strOrNull(d, 'description'),
      obj(d, 'definition'),
      num(d, 'version', { integer: true, min: 1 }),
    ];
    const definition = d.definition as Record<string, unknown> | undefined;
    if (definition && typeof definition === 'object' && !Array.isArray(definition.labels)) {
      problems.push('definition.labels must be an array');
    }
    for (const p of problems) if (p) ctx.error(line, `${what}: ${p}`);
    if (type === 'classification-scheme') {
      if (typeof d.id === 'string') see(ctx, 'classification-scheme', d.id);
      if (typeof d.name === 'string') unique(ctx, 'classification-scheme', 'name', d.name, line);
    } else {
      if (!seen(ctx, 'classification-scheme', d.schemeId)) {
        ctx.error(line, `${what}: schemeId ${String(d.schemeId)} is not a scheme of the document (it must come first)`);
      }
      see(ctx, 'classification-scheme-version', `${String(d.schemeId)}:${String(d.version)}`);
    }
  }

  conflicts(
    workspaceId: string,
    document: string,
    values: Map<string, Map<string, number>>,
    em: EntityManager,
  ): Promise<ImportConflict[]> {
    return conflictsByValue(
      em,
      workspaceId,
      document,
      'classification-scheme',
      'name',
      values.get('name'),
      'classification_schemes',
      'name',
    );
  }

  async write(type: string, batch: ExportLine[], ctx: ImportContext): Promise<number> {
    if (type === 'classification-scheme') return this.writeSchemes(batch, ctx);
    // versions: immutable snapshots, keyed by (scheme, version); a skipped scheme keeps its own
    const rows = batch.map((l) => l.data).filter((d) => !isSkipped(ctx, 'classification-scheme', d.schemeId));
    const targets = rows.map((d) => mapped(ctx, 'classification-scheme', d.schemeId));
    if (!rows.length) return 0;
    const inserted: Array<{ n: number }> = await ctx.dataSource.query(
      `WITH ins AS (
         INSERT INTO classification_scheme_versions (scheme_id, version, workspace_id, name, description, definition, created_at)
         SELECT u.scheme_id, u.version, $1, u.name, u.description, u.definition, COALESCE(u.created_at, now())
           FROM unnest($2::uuid[], $3::int[], $4::text[], $5::text[], $6::jsonb[], $7::timestamptz[])
                AS u(scheme_id, version, name, description, definition, created_at)
         ON CONFLICT (scheme_id, version) DO NOTHING RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
      [
        ctx.workspaceId,
        targets,
        rows.map((d) => d.version),
        rows.map((d) => d.name),
        rows.map((d) => d.description ?? null),
        rows.map((d) => JSON.stringify(d.definition)),
        rows.map((d) => d.createdAt ?? null),
      ],
    );
    return inserted[0].n;
  }

  async finish(ctx: ImportContext): Promise<void> {
    const made = madeIds(ctx, 'classification-scheme');
    if (!made.length) return;
    await ctx.dataSource.query(remapTraining('classification_schemes', 'id'), [ctx.workspaceId, ctx.document, made]);
    await ctx.dataSource.query(remapTraining('classification_scheme_versions', 'scheme_id'), [
      ctx.workspaceId,
      ctx.document,
      made,
    ]);
  }

  private writeSchemes(batch: ExportLine[], ctx: ImportContext): Promise<number> {
    return writeEntities(
      ctx,
      {
        kind: 'classification-scheme',
        renamable: true,
        unique: (d) => ({ field: 'name', value: String(d.name) }),
        insert: (em, d, name) =>
          insertReturningId(
            em,
            `INSERT INTO classification_schemes (workspace_id, name, description, definition, version, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7::timestamptz, now()))
             ON CONFLICT (workspace_id, name) DO NOTHING RETURNING id`,
            [
              ctx.workspaceId,
              name,
              d.description ?? null,
              JSON.stringify(d.definition),
              d.version,
              ctx.actor.userId,
              d.createdAt ?? null,
            ],
          ),
        existing: existingBy(ctx, 'classification_schemes', 'name'),
      },
      batch,
    );
  }
}
