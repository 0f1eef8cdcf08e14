import { ApiProperty } from '@nestjs/swagger';
import { MemberView, WORKSPACE_ROLES, WorkspaceRole } from '@labwire/domain';

export class MemberDto {
  @ApiProperty({ format: 'uuid' })
  userId!: string;

  @ApiProperty({ example: 'ada@lab.example' })
  email!: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  fullName!: string;

  @ApiProperty({ enum: WORKSPACE_ROLES, enumName: 'WorkspaceRole' })
  role!: WorkspaceRole;

  @ApiProperty({ format: 'date-time', description: 'When they joined' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static from(m: MemberView): MemberDto {
    return {
      userId: m.userId,
      email: m.email,
      fullName: m.fullName,
      role: m.role,
      createdAt: m.createdAt.toISOString(),
      updatedAt: m.updatedAt.toISOString(),
    };
  }
}
