import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { WORKSPACE_ROLES, WorkspaceRole } from '@labwire/domain';

export class UpdateMemberDto {
  @ApiProperty({ enum: WORKSPACE_ROLES, enumName: 'WorkspaceRole' })
  @IsIn(WORKSPACE_ROLES)
  role!: WorkspaceRole;
}
