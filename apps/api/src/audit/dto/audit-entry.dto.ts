import { ApiProperty } from '@nestjs/swagger';
import {
  AUDIT_ACTIONS,
  AUDIT_ENTITY_TYPES,
  AuditAction,
  AuditChanges,
  AuditEntityType,
  AuditEntry,
} from '@labwire/domain';

export class AuditEntryDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  workspaceId!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The user who made the change' })
  actorUserId!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Set when an API key was used' })
  actorApiKeyId!: string | null;

  @ApiProperty({ enum: AUDIT_ACTIONS, enumName: 'AuditAction' })
  action!: AuditAction;

  @ApiProperty({ enum: AUDIT_ENTITY_TYPES, enumName: 'AuditEntityType' })
  entityType!: AuditEntityType;

  @ApiProperty({ format: 'uuid' })
  entityId!: string;

  @ApiProperty({
    description: 'Changed fields: `{field: {from, to}}` (only `to` on create, only `from` on delete)',
    type: 'object',
    additionalProperties: { type: 'object', properties: { from: {}, to: {} } },
    example: { status: { from: 'active', to: 'maintenance' } },
  })
  changes!: AuditChanges;

  @ApiProperty({ type: String, nullable: true, description: 'The X-Request-Id of the request that made the change' })
  requestId!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  static from(e: AuditEntry): AuditEntryDto {
    return {
      id: e.id,
      workspaceId: e.workspaceId,
      actorUserId: e.actorUserId,
      actorApiKeyId: e.actorApiKeyId,
      action: e.action,
      entityType: e.entityType as AuditEntityType,
      entityId: e.entityId,
      changes: e.changes,
      requestId: e.requestId,
      createdAt: e.createdAt.toISOString(),
    };
  }
}
