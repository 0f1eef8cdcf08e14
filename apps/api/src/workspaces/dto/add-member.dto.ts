import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, MaxLength } from 'class-validator';
import { WORKSPACE_ROLES, WorkspaceRole } from '@labwire/domain';

export class AddMemberDto {
  @ApiProperty({ example: 'ada@lab.example', description: 'Who is invited (with or without an account)' })
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @ApiPropertyOptional({ enum: WORKSPACE_ROLES, enumName: 'WorkspaceRole', default: 'viewer' })
  @IsOptional()
  @IsIn(WORKSPACE_ROLES)
  role?: WorkspaceRole;
}
