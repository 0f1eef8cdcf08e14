import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest, SortField } from '@labwire/core';
import { CalibrationResult } from '../instruments/instrument.entity';
import { CalibrationCertificate, CalibrationRecord } from './calibration-record';

export interface NewCalibrationRecord {
  id: string;
  instrumentId: string;
  performedAt: Date;
  performedBy: string;
  result: CalibrationResult;
  nextDueAt: Date | null;
  notes: string | null;
  certificate: CalibrationCertificate | null;
  createdBy: string | null;
}

export const CALIBRATION_SORT_FIELDS = ['performedAt', 'createdAt', 'nextDueAt'] as const;
export type CalibrationSortField = (typeof CALIBRATION_SORT_FIELDS)[number];
const SORT_COLUMNS: Record<CalibrationSortField, string> = {
  performedAt: 'performed_at',
  createdAt: 'created_at',
  nextDueAt: 'next_due_at',
};

export interface CalibrationFilter {
  result?: CalibrationResult;
}

const COLUMNS = `id, workspace_id AS "workspaceId", instrument_id AS "instrumentId", performed_at AS "performedAt",
  performed_by AS "performedBy", result, next_due_at AS "nextDueAt", notes,
  certificate_filename AS "certificateFilename", certificate_media_type AS "certificateMediaType",
  certificate_size::float8 AS "certificateSize", certificate_sha256 AS "certificateSha256",
  created_by AS "createdBy", created_at AS "createdAt"`;

type Row = Omit<CalibrationRecord, 'certificate'> & {
  certificateFilename: string | null;
  certificateMediaType: string | null;
  certificateSize: number | null;
  certificateSha256: string | null;
};

function toRecord(row: Row): CalibrationRecord {
  const { certificateFilename, certificateMediaType, certificateSize, certificateSha256, ...rest } = row;
  return {
    ...rest,
    certificate:
      certificateSha256 !== null && certificateSize !== null
        ? {
            filename: certificateFilename ?? 'certificate',
            mediaType: certificateMediaType ?? 'application/octet-stream',
            size: certificateSize,
            sha256: certificateSha256,
          }
        : null,
  };
}

/** The `instrument_calibrations` table; every method is scoped to one workspace and instrument. */
@Injectable()
export class CalibrationRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(workspaceId: string, r: NewCalibrationRecord, em: EntityManager): Promise<CalibrationRecord> {
    const rows: Row[] = await em.query(
      `INSERT INTO instrument_calibrations (id, workspace_id, instrument_id, performed_at, performed_by, result,
         next_due_at, notes, certificate_filename, certificate_media_type, certificate_size, certificate_sha256,
         created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       RETURNING ${COLUMNS}`,
      [
        r.id,
        workspaceId,
        r.instrumentId,
        r.performedAt,
        r.performedBy,
        r.result,
        r.nextDueAt,
        r.notes,
        r.certificate?.filename ?? null,
        r.certificate?.mediaType ?? null,
        r.certificate?.size ?? null,
        r.certificate?.sha256 ?? null,
        r.createdBy,
      ],
    );
    return toRecord(rows[0]);
  }

  async findInWorkspace(workspaceId: string, instrumentId: string, id: string): Promise<CalibrationRecord | null> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM instrument_calibrations WHERE workspace_id = $1 AND instrument_id = $2 AND id = $3`,
      [workspaceId, instrumentId, id],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** One page in the requested order (ties: newest entry first), with the filtered total. */
  async listOfInstrument(
    workspaceId: string,
    instrumentId: string,
    filter: CalibrationFilter,
    page: PageRequest,
    sort: SortField<CalibrationSortField>[],
  ): Promise<[CalibrationRecord[], number]> {
    const params: unknown[] = [workspaceId, instrumentId];
    let where = 'workspace_id = $1 AND instrument_id = $2';
    if (filter.result) {
      params.push(filter.result);
      where += ` AND result = $${params.length}`;
    }
    const [{ total }]: Array<{ total: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM instrument_calibrations WHERE ${where}`,
      params,
    );
    const order = [
      ...sort.map((f) => `${SORT_COLUMNS[f.field]} ${f.direction}${f.field === 'nextDueAt' ? ' NULLS LAST' : ''}`),
      'created_at DESC',
      'id DESC',
    ].join(', ');
    params.push(page.pageSize, (page.page - 1) * page.pageSize);
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM instrument_calibrations WHERE ${where}
        ORDER BY ${order} LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return [rows.map(toRecord), total];
  }
}
