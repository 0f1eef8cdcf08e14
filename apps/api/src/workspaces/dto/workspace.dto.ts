import { ApiProperty } from '@nestjs/swagger';
import { WORKSPACE_ROLES, WorkspaceRole, WorkspaceView } from '@labwire/domain';

export class WorkspaceDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Analytical chemistry lab' })
  name!: string;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ description: "The caller's role in this workspace", enum: WORKSPACE_ROLES, enumName: 'WorkspaceRole' })
  role!: WorkspaceRole;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The user who created it' })
  createdBy!: string | null;

  @ApiProperty({ description: 'Days of telemetry kept', example: 365 })
  telemetryRetentionDays!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static from(w: WorkspaceView): WorkspaceDto {
    return {
      id: w.id,
      name: w.name,
      description: w.description,
      role: w.role,
      createdBy: w.createdBy,
      telemetryRetentionDays: w.telemetryRetentionDays,
      createdAt: w.createdAt.toISOString(),
      updatedAt: w.updatedAt.toISOString(),
    };
  }
}
