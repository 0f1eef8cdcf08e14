import { EntityManager } from 'typeorm';

export interface LedgerEntry {
  target: string;
  skipped: boolean;
}

/**
 * The import ledger: for a target workspace, a document and one of its entities (kind, source id),
 * the id the entity got. Written in the transaction that writes the entity, so a run that died, a
 * retry or the same document imported again finds what exists and writes it no second time.
 */
export class ImportLedger {
  constructor(
    private readonly workspaceId: string,
    private readonly document: string,
    private readonly jobId: string,
  ) {}

  /** The targets of these source ids already written, by source id. */
  async lookup(em: EntityManager, kind: string, sourceIds: string[]): Promise<Map<string, LedgerEntry>> {
    if (!sourceIds.length) return new Map();
    const rows: Array<{ source: string; target: string; skipped: boolean }> = await em.query(
      `SELECT source_id AS source, target_id AS target, skipped FROM import_ledger
        WHERE workspace_id = $1 AND document = $2 AND kind = $3 AND source_id = ANY($4::text[])`,
      [this.workspaceId, this.document, kind, sourceIds],
    );
    return new Map(rows.map((r) => [r.source, { target: r.target, skipped: r.skipped }]));
  }

  async record(em: EntityManager, kind: string, sourceId: string, targetId: string, skipped = false): Promise<void> {
    await em.query(
      `INSERT INTO import_ledger (workspace_id, document, kind, source_id, target_id, skipped, job_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [this.workspaceId, this.document, kind, sourceId, targetId, skipped, this.jobId],
    );
  }
}
