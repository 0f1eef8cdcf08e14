import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { DATASOURCE_STATUSES, DATASOURCE_TYPES, DatasourceStatus, DatasourceType } from '@labwire/domain';
import { PageQueryDto } from '../../common/dto/page-query.dto';

export class ListDatasourcesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: DATASOURCE_TYPES, enumName: 'DatasourceType' })
  @IsOptional()
  @IsIn(DATASOURCE_TYPES)
  type?: DatasourceType;

  @ApiPropertyOptional({ enum: DATASOURCE_STATUSES, enumName: 'DatasourceStatus' })
  @IsOptional()
  @IsIn(DATASOURCE_STATUSES)
  status?: DatasourceStatus;

  @ApiPropertyOptional({ description: 'Part of the name (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}
