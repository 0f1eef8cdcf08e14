import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { MAINTENANCE_KINDS, MAINTENANCE_WINDOW_STATES, MaintenanceKind, MaintenanceWindowState } from '@labwire/domain';
import { PageQueryDto } from '../../common/dto/page-query.dto';

export class ListMaintenanceWindowsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: MAINTENANCE_WINDOW_STATES, enumName: 'MaintenanceWindowState' })
  @IsOptional()
  @IsIn(MAINTENANCE_WINDOW_STATES)
  state?: MaintenanceWindowState;

  @ApiPropertyOptional({ enum: MAINTENANCE_KINDS, enumName: 'MaintenanceKind' })
  @IsOptional()
  @IsIn(MAINTENANCE_KINDS)
  kind?: MaintenanceKind;
}
