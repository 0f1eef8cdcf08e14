import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { JOB_STATUSES, JobStatus } from '@labwire/domain';
import { TRACKED_JOB_NAMES } from '@labwire/queue';
import { PageQueryDto } from '../../common/dto/page-query.dto';

export class ListJobsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: TRACKED_JOB_NAMES, enumName: 'JobKind' })
  @IsOptional()
  @IsIn(TRACKED_JOB_NAMES)
  kind?: string;

  @ApiPropertyOptional({ enum: JOB_STATUSES, enumName: 'JobStatus' })
  @IsOptional()
  @IsIn(JOB_STATUSES)
  status?: JobStatus;

  @ApiPropertyOptional({ format: 'uuid', description: "A schedule's runs (its run history)" })
  @IsOptional()
  @IsUUID()
  scheduleId?: string;
}
