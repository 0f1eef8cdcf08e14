import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '../../common/dto/page-query.dto';

export class SharedRecordsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Records of this shared data source only' })
  @IsOptional()
  @IsUUID('all')
  datasourceId?: string;
}
