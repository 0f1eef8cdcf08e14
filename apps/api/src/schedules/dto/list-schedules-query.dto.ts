import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { SCHEDULE_KINDS, ScheduleKind } from '@labwire/domain';
import { PageQueryDto } from '../../common/dto/page-query.dto';

export class ListSchedulesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: SCHEDULE_KINDS, enumName: 'ScheduleKind' })
  @IsOptional()
  @IsIn(SCHEDULE_KINDS)
  kind?: ScheduleKind;
}
