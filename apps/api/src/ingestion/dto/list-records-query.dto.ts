import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsDefined, IsIn, IsOptional, IsString, IsUUID, MaxLength, ValidateIf } from 'class-validator';
import { RecordFilter } from '@labwire/domain';
import { PageQueryDto } from '../../common/dto/page-query.dto';

export class RecordFilterQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  datasourceId?: string;

  @ApiPropertyOptional({
    description: 'Full-text search over the text: words (all must match), "a phrase", or, -excluded',
    example: 'buffer -calibration',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  q?: string;

  @ApiPropertyOptional({ description: 'A metadata field that must equal metadataValue (e.g. a CSV column)' })
  @ValidateIf((o: RecordFilterQueryDto) => o.metadataValue !== undefined || o.metadataKey !== undefined)
  @IsDefined({ message: 'metadataKey and metadataValue go together' })
  @IsString()
  @MaxLength(200)
  metadataKey?: string;

  @ApiPropertyOptional({ description: 'The value metadataKey must have (compared as text)' })
  @ValidateIf((o: RecordFilterQueryDto) => o.metadataValue !== undefined || o.metadataKey !== undefined)
  @IsDefined({ message: 'metadataKey and metadataValue go together' })
  @IsString()
  @MaxLength(1000)
  metadataValue?: string;
}

export function recordFilter(q: RecordFilterQueryDto): RecordFilter {
  return {
    datasourceId: q.datasourceId?.toLowerCase(),
    q: q.q?.trim() || undefined,
    ...(q.metadataKey !== undefined &&
      q.metadataValue !== undefined && { metadata: { key: q.metadataKey, value: q.metadataValue } }),
  };
}

/** `?page&pageSize&sort` and the record filters. */
export class ListRecordsQueryDto extends IntersectionType(PageQueryDto, RecordFilterQueryDto) {}

export class ExportRecordsQueryDto extends RecordFilterQueryDto {
  @ApiProperty({ enum: ['csv', 'ndjson'] })
  @IsIn(['csv', 'ndjson'])
  format!: 'csv' | 'ndjson';
}
