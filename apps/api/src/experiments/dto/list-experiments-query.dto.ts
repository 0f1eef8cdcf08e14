import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsDateString, IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { EXPERIMENT_STATUSES, ExperimentStatus } from '@labwire/domain';
import { PageQueryDto } from '../../common/dto/page-query.dto';

const splitList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : value;

export class ListProtocolsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Matches name or description (case-insensitive substring)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}

export class ListExperimentsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: `Comma-separated: ${EXPERIMENT_STATUSES.join(', ')}`, example: 'running' })
  @IsOptional()
  @Transform(splitList)
  @ArrayMaxSize(6)
  @IsIn(EXPERIMENT_STATUSES, { each: true })
  status?: ExperimentStatus[];

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  protocolId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'experiments that use this instrument' })
  @IsOptional()
  @IsUUID()
  instrumentId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'runs that ended (or go on) at or after this' })
  @IsOptional()
  @IsDateString({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'runs that started before this' })
  @IsOptional()
  @IsDateString({ strict: true })
  to?: string;
}
