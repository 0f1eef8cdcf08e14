import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  Datasource,
  DATASOURCE_STATUSES,
  DATASOURCE_TYPES,
  DatasourceOptions,
  DatasourceStatus,
  DatasourceType,
} from '@labwire/domain';
import { jobPath } from '../../jobs/dto/job.dto';

export class DatasourceCountsDto {
  @ApiProperty({ description: 'Records stored (as of the last ingestion, less deleted ones)', example: 9980 })
  records!: number;

  @ApiProperty({ description: 'Rows, lines, items, pages or URLs the last ingestion could not use', example: 20 })
  errors!: number;
}

export class DatasourceLinksDto {
  @ApiProperty({ example: '/api/v1/workspaces/6b1f…/datasources/2a7c…' })
  self!: string;

  @ApiProperty({ description: 'Its records', example: '/api/v1/workspaces/6b1f…/records?datasourceId=2a7c…' })
  records!: string;

  @ApiProperty({ type: String, nullable: true, description: 'Its last ingestion job (progress, row errors)' })
  job!: string | null;
}

export class DatasourceDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'samples-2026-01.csv' })
  name!: string;

  @ApiProperty({ enum: DATASOURCE_TYPES, enumName: 'DatasourceType' })
  type!: DatasourceType;

  @ApiProperty({ description: 'Bytes stored', example: 1048576 })
  size!: number;

  @ApiProperty({ description: 'SHA-256 of the stored bytes (hex); unique in the workspace' })
  checksum!: string;

  @ApiProperty({
    enum: DATASOURCE_STATUSES,
    enumName: 'DatasourceStatus',
    description: 'From its last ingestion job: pending (queued), ingesting, ingested, failed or cancelled',
  })
  status!: DatasourceStatus;

  @ApiProperty({ type: DatasourceCountsDto })
  counts!: DatasourceCountsDto;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'How it is read: delimiter and textColumn (CSV), textField (JSON), split (text), urlCount (URLs)',
    example: { delimiter: ';', textColumn: 'comment' },
  })
  options!: DatasourceOptions;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'Classification scheme to run once ingested',
  })
  classifySchemeId!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  lastJobId!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  createdBy!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiProperty({ type: DatasourceLinksDto })
  links!: DatasourceLinksDto;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Only when an upload had the same content as this existing data source (answered 200, nothing stored)',
  })
  duplicateOf?: string;

  static from(d: Datasource, duplicateOf?: string): DatasourceDto {
    const self = datasourcePath(d.workspaceId, d.id);
    return {
      id: d.id,
      name: d.name,
      type: d.type,
      size: d.size,
      checksum: d.checksum,
      status: d.status,
      counts: { records: d.recordCount, errors: d.errorCount },
      options: d.options,
      classifySchemeId: d.classifySchemeId,
      lastJobId: d.lastJobId,
      createdBy: d.createdBy,
      createdAt: d.createdAt.toISOString(),
      updatedAt: d.updatedAt.toISOString(),
      links: {
        self,
        records: `/api/v1/workspaces/${d.workspaceId}/records?datasourceId=${d.id}`,
        job: d.lastJobId ? jobPath(d.workspaceId, d.lastJobId) : null,
      },
      ...(duplicateOf && { duplicateOf }),
    };
  }
}

export function datasourcePath(workspaceId: string, id: string): string {
  return `/api/v1/workspaces/${workspaceId}/datasources/${id}`;
}
