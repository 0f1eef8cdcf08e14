import { Injectable } from '@nestjs/common';
import { FieldError, ValidationError } from '@labwire/core';
import { ClassificationSchemeNotFoundError } from '../classification/classification.errors';
import { DatasourceRepository } from '../ingestion/datasource.repository';
import { DatasourceService } from '../ingestion/datasource.service';
import { DatasourceNotFoundError } from '../ingestion/ingestion.errors';
import { InstrumentNotFoundError } from '../instruments/instruments.errors';
import { TelemetryRepository } from '../telemetry/telemetry.repository';
import {
  CLASSIFICATION_SCOPES,
  ClassificationScheduleConfig,
  INGESTION_MODES,
  IngestionScheduleConfig,
  ScheduleConfig,
  ScheduleKind,
  TelemetryExportScheduleConfig,
} from './schedule';

/**
 * A schedule's `config`, checked for its kind: field errors under `config.` (400), and what it names
 * (data source, scheme, instruments) in the workspace (404 otherwise).
 */
@Injectable()
export class ScheduleConfigCheck {
  constructor(
    private readonly datasources: DatasourceRepository,
    private readonly datasourceService: DatasourceService,
    private readonly telemetry: TelemetryRepository,
  ) {}

  /**
   * The kind's config, checked (field errors under `config.`), with what it names in the workspace;
   * `references: false` checks only its shape (an import validating a document whose ids are not the
   * workspace's yet).
   */
  async check(
    workspaceId: string,
    kind: ScheduleKind,
    raw: ScheduleConfig,
    options: { references?: boolean } = {},
  ): Promise<ScheduleConfig> {
    const references = options.references ?? true;
    const errors: FieldError[] = [];
    const config = (raw ?? {}) as unknown as Record<string, unknown>;
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
    const optionalId = (field: string): string | undefined => {
      const value = config[field];
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'string' || !uuid.test(value))
        errors.push({ field: `config.${field}`, message: 'must be a UUID' });
      return typeof value === 'string' ? value.toLowerCase() : undefined;
    };
    if (kind === 'ingestion') {
      const mode = config.mode ?? 'new-datasource';
      if (!(INGESTION_MODES as readonly unknown[]).includes(mode)) {
        errors.push({ field: 'config.mode', message: `must be one of: ${INGESTION_MODES.join(', ')}` });
      }
      const datasourceId = optionalId('datasourceId');
      const urls = config.urls;
      if ((urls === undefined) === (config.datasourceId === undefined || config.datasourceId === null)) {
        errors.push({ field: 'config.urls', message: 'give either urls or datasourceId' });
      } else if (urls !== undefined && (!Array.isArray(urls) || urls.some((u) => typeof u !== 'string'))) {
        errors.push({ field: 'config.urls', message: 'must be an array of URLs' });
      }
      const datasourceName = config.datasourceName;
      if (datasourceName !== undefined && (typeof datasourceName !== 'string' || datasourceName.length > 200)) {
        errors.push({ field: 'config.datasourceName', message: 'must be a string of at most 200 characters' });
      }
      if (errors.length) throw new ValidationError('The schedule config is not valid', errors);
      let clean: string[] | undefined;
      if (Array.isArray(urls)) {
        try {
          clean = this.datasourceService.checkUrls(urls as string[]);
        } catch (err) {
          if (err instanceof ValidationError) {
            throw new ValidationError(
              err.message,
              (err.errors ?? []).map((e) => ({ ...e, field: `config.${e.field}` })),
            );
          }
          throw err;
        }
      }
      if (references && datasourceId && !(await this.datasources.findInWorkspace(workspaceId, datasourceId))) {
        throw new DatasourceNotFoundError(datasourceId);
      }
      const result: IngestionScheduleConfig = {
        mode: mode as IngestionScheduleConfig['mode'],
        ...(clean && { urls: clean }),
        ...(datasourceId && { datasourceId }),
        ...(typeof datasourceName === 'string' && datasourceName.trim() && { datasourceName: datasourceName.trim() }),
      };
      return result;
    }
    if (kind === 'telemetry-export') return this.checkExport(workspaceId, config, references);
    const schemeId = optionalId('schemeId');
    if (!schemeId && !errors.length) errors.push({ field: 'config.schemeId', message: 'is required' });
    const datasourceId = optionalId('datasourceId');
    const scope = config.scope ?? 'new';
    if (!(CLASSIFICATION_SCOPES as readonly unknown[]).includes(scope)) {
      errors.push({ field: 'config.scope', message: `must be one of: ${CLASSIFICATION_SCOPES.join(', ')}` });
    }
    if (errors.length) throw new ValidationError('The schedule config is not valid', errors);
    if (references && !(await this.datasources.classificationSchemeExists(workspaceId, schemeId as string))) {
      throw new ClassificationSchemeNotFoundError(schemeId as string);
    }
    if (references && datasourceId && !(await this.datasources.findInWorkspace(workspaceId, datasourceId))) {
      throw new DatasourceNotFoundError(datasourceId);
    }
    const result: ClassificationScheduleConfig = {
      schemeId: schemeId as string,
      scope: scope as ClassificationScheduleConfig['scope'],
      ...(datasourceId && { datasourceId }),
    };
    return result;
  }

  /** 1 to 50 instruments of the workspace, a window of a minute to 366 days, optional metric names. */
  private async checkExport(
    workspaceId: string,
    config: Record<string, unknown>,
    references: boolean,
  ): Promise<TelemetryExportScheduleConfig> {
    const errors: FieldError[] = [];
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
    const ids = config.instrumentIds;
    if (
      !Array.isArray(ids) ||
      !ids.length ||
      ids.length > 50 ||
      ids.some((id) => typeof id !== 'string' || !uuid.test(id))
    ) {
      errors.push({ field: 'config.instrumentIds', message: 'must be 1 to 50 instrument ids' });
    }
    const windowMs = config.windowMs;
    if (
      typeof windowMs !== 'number' ||
      !Number.isInteger(windowMs) ||
      windowMs < 60_000 ||
      windowMs > 366 * 86_400_000
    ) {
      errors.push({
        field: 'config.windowMs',
        message: 'must be whole milliseconds, from 60000 (a minute) to 366 days',
      });
    }
    const metrics = config.metrics;
    if (
      metrics !== undefined &&
      (!Array.isArray(metrics) ||
        metrics.length > 50 ||
        metrics.some((m) => typeof m !== 'string' || !m || m.length > 200))
    ) {
      errors.push({ field: 'config.metrics', message: 'must be at most 50 metric names' });
    }
    if (errors.length) throw new ValidationError('The schedule config is not valid', errors);
    const instrumentIds = [...new Set((ids as string[]).map((id) => id.toLowerCase()))];
    if (references) {
      const known = await this.telemetry.instrumentsInWorkspace(workspaceId, instrumentIds);
      const missing = instrumentIds.find((id) => !known.has(id));
      if (missing) throw new InstrumentNotFoundError(missing);
    }
    return {
      instrumentIds,
      windowMs: windowMs as number,
      ...(Array.isArray(metrics) && metrics.length && { metrics: metrics as string[] }),
    };
  }
}
