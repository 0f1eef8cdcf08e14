import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  APP_CONFIG,
  AppConfig,
  FieldError,
  Page,
  PageRequest,
  SortField,
  toPage,
  ValidationError,
} from '@labwire/core';
import { OBJECT_STORAGE, ObjectStorage, StorageObjectNotFoundError } from '@labwire/providers';
import { Actor } from '../audit/actor';
import { changedFields, createdChanges } from '../audit/audit-changes';
import { AuditService } from '../audit/audit.service';
import { CalibrationResult } from '../instruments/instrument.entity';
import { InstrumentRepository } from '../instruments/instrument.repository';
import { InstrumentNotFoundError } from '../instruments/instruments.errors';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import { CalibrationCertificate, CalibrationRecord } from './calibration-record';
import { CalibrationFilter, CalibrationRepository, CalibrationSortField } from './calibration.repository';
import {
  CalibrationCertificateNotFoundError,
  CalibrationCertificateTooLargeError,
  CalibrationNotFoundError,
} from './calibration.errors';
import { metered } from './certificate-stream';

export interface CalibrationInput {
  performedAt: Date;
  performedBy: string;
  result: CalibrationResult;
  /** when the next calibration is due; none: the instrument has no due date after this record */
  nextDueAt?: Date | null;
  notes?: string | null;
}

/** A certificate file as the transport hands it over: a stream, never the whole file. */
export interface CertificateUpload {
  stream: Readable;
  filename?: string;
  mediaType?: string;
}

export interface CertificateDownload {
  certificate: CalibrationCertificate;
  stream: Readable;
}

/** A calibration may be entered a little ahead of the server's clock (a client's clock), not more. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

const AUDITED = ['instrumentId', 'performedAt', 'performedBy', 'result', 'nextDueAt', 'notes', 'certificate'] as const;

/**
 * Calibration records of instruments. A record is evidence: it is never edited or deleted (a mistake
 * is corrected by a newer record, which supersedes it). The latest record by performedAt sets the
 * instrument's lastCalibratedAt, calibrationDueAt and lastCalibrationResult; entering an older one
 * (history being caught up) keeps the instrument as it is.
 */
@Injectable()
export class CalibrationService {
  private readonly logger = new Logger('Calibrations');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    private readonly dataSource: DataSource,
    private readonly calibrations: CalibrationRepository,
    private readonly instruments: InstrumentRepository,
    private readonly audit: AuditService,
  ) {}

  async list(
    workspaceId: string,
    instrumentId: string,
    filter: CalibrationFilter,
    page: PageRequest,
    sort: SortField<CalibrationSortField>[],
  ): Promise<Page<CalibrationRecord>> {
    await this.assertInstrument(workspaceId, instrumentId);
    const [items, total] = await this.calibrations.listOfInstrument(workspaceId, instrumentId, filter, page, sort);
    return toPage(items, total, page);
  }

  async get(workspaceId: string, instrumentId: string, id: string): Promise<CalibrationRecord> {
    await this.assertInstrument(workspaceId, instrumentId);
    const record = await this.calibrations.findInWorkspace(workspaceId, instrumentId, id);
    if (!record) throw new CalibrationNotFoundError(id);
    return record;
  }

  /** The certificate's bytes as stored, with what was recorded about them. */
  async certificate(workspaceId: string, instrumentId: string, id: string): Promise<CertificateDownload> {
    const record = await this.get(workspaceId, instrumentId, id);
    if (!record.certificate) throw new CalibrationCertificateNotFoundError(id);
    try {
      return { certificate: record.certificate, stream: await this.storage.get({ workspaceId, id }) };
    } catch (err) {
      if (err instanceof StorageObjectNotFoundError) throw new CalibrationCertificateNotFoundError(id);
      throw err;
    }
  }

  /**
   * Records a calibration (editors), with its certificate streamed into storage first when there is
   * one (more than DATASOURCE_MAX_BYTES is 413 and nothing is kept). The record, the instrument's
   * dates and both audit entries are one transaction; should it fail, the certificate is removed.
   */
  async create(
    membership: WorkspaceMembership,
    instrumentId: string,
    input: CalibrationInput,
    actor: Actor,
    upload?: CertificateUpload,
  ): Promise<CalibrationRecord> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const clean = this.validate(input);
    await this.assertInstrument(workspaceId, instrumentId);
    const id = randomUUID();
    const certificate = upload ? await this.storeCertificate(workspaceId, id, upload) : null;
    try {
      return await this.dataSource.transaction(async (em) => {
        const instrument = await this.instruments.lockInWorkspace(workspaceId, instrumentId, em);
        if (!instrument) throw new InstrumentNotFoundError(instrumentId);
        const record = await this.calibrations.insert(
          workspaceId,
          { id, instrumentId, ...clean, certificate, createdBy: actor.userId },
          em,
        );
        await this.audit.record(em, workspaceId, actor, {
          action: 'create',
          entityType: 'instrument_calibration',
          entityId: id,
          changes: createdChanges(record, AUDITED),
        });
        const latest = !instrument.lastCalibratedAt || record.performedAt >= new Date(instrument.lastCalibratedAt);
        if (latest) {
          const patch = {
            lastCalibratedAt: record.performedAt,
            calibrationDueAt: record.nextDueAt,
            lastCalibrationResult: record.result,
          };
          const changes = changedFields(instrument, patch);
          if (Object.keys(changes).length) {
            await this.instruments.applyDerived(workspaceId, instrumentId, instrument.version, patch, em);
            await this.audit.record(em, workspaceId, actor, {
              action: 'update',
              entityType: 'instrument',
              entityId: instrumentId,
              changes: { ...changes, calibrationId: { to: id } },
            });
          }
        }
        return record;
      });
    } catch (err) {
      if (certificate) {
        await this.storage.delete({ workspaceId, id }).catch((cleanup: Error) => {
          this.logger.warn(`calibration ${id}: its certificate was not removed: ${cleanup.message}`);
        });
      }
      throw err;
    }
  }

  private validate(input: CalibrationInput): Required<Omit<CalibrationInput, 'notes'>> & { notes: string | null } {
    const errors: FieldError[] = [];
    const performedBy = input.performedBy.trim();
    if (!performedBy) errors.push({ field: 'performedBy', message: 'performedBy must not be blank' });
    if (input.performedAt.getTime() > Date.now() + FUTURE_TOLERANCE_MS) {
      errors.push({ field: 'performedAt', message: 'performedAt must not be in the future' });
    }
    const nextDueAt = input.nextDueAt ?? null;
    if (nextDueAt && nextDueAt.getTime() <= input.performedAt.getTime()) {
      errors.push({ field: 'nextDueAt', message: 'nextDueAt must be after performedAt' });
    }
    if (errors.length)
      throw new ValidationError(`Request is invalid: ${errors.map((e) => e.message).join('; ')}`, errors);
    return {
      performedAt: input.performedAt,
      performedBy,
      result: input.result,
      nextDueAt,
      notes: input.notes?.trim() || null,
    };
  }

  private async storeCertificate(
    workspaceId: string,
    id: string,
    upload: CertificateUpload,
  ): Promise<CalibrationCertificate> {
    const limit = this.config.ingestion.maxUploadBytes;
    const { body, result } = metered(upload.stream, limit);
    const key = { workspaceId, id };
    try {
      await this.storage.put(key, body, upload.mediaType);
    } catch (err) {
      await this.storage.delete(key).catch(() => undefined);
      if (result.tooLarge) throw new CalibrationCertificateTooLargeError(limit);
      throw err;
    }
    if (result.size === 0) {
      await this.storage.delete(key);
      throw new ValidationError('The certificate is empty', [{ field: 'certificate', message: 'is empty' }]);
    }
    return {
      filename: (upload.filename?.trim() || 'certificate').slice(0, 255),
      mediaType: (upload.mediaType?.trim() || 'application/octet-stream').slice(0, 255),
      size: result.size,
      sha256: result.sha256,
    };
  }

  private async assertInstrument(workspaceId: string, instrumentId: string): Promise<void> {
    if (!(await this.instruments.findInWorkspace(workspaceId, instrumentId))) {
      throw new InstrumentNotFoundError(instrumentId);
    }
  }
}
