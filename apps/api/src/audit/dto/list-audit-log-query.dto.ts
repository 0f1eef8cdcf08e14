import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { AUDIT_ACTIONS, AUDIT_ENTITY_TYPES, AuditAction, AuditEntityType } from '@labwire/domain';
import { PageQueryDto } from '../../common/dto/page-query.dto';

export class ListAuditLogQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: AUDIT_ENTITY_TYPES, enumName: 'AuditEntityType' })
  @IsOptional()
  @IsIn(AUDIT_ENTITY_TYPES)
  entityType?: AuditEntityType;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  entityId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  actorUserId?: string;

  @ApiPropertyOptional({ enum: AUDIT_ACTIONS, enumName: 'AuditAction' })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS)
  action?: AuditAction;
}
