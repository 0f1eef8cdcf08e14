import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { INVITATION_STATUSES, InvitationStatus, InvitationView, WORKSPACE_ROLES, WorkspaceRole } from '@labwire/domain';
import { PageQueryDto } from '../../common/dto/page-query.dto';

export class CreateInvitationDto {
  @ApiProperty({ example: 'ada@lab.example', description: 'Who is invited (with or without an account)' })
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @ApiPropertyOptional({ enum: WORKSPACE_ROLES, enumName: 'WorkspaceRole', default: 'viewer' })
  @IsOptional()
  @IsIn(WORKSPACE_ROLES)
  role?: WorkspaceRole;
}

export class ListInvitationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: INVITATION_STATUSES, enumName: 'InvitationStatus' })
  @IsOptional()
  @IsIn(INVITATION_STATUSES)
  status?: InvitationStatus;
}

export class InvitationDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  workspaceId!: string;

  @ApiProperty({ example: 'Cell culture lab' })
  workspaceName!: string;

  @ApiProperty({ example: 'ada@lab.example' })
  email!: string;

  @ApiProperty({ enum: WORKSPACE_ROLES, enumName: 'WorkspaceRole' })
  role!: WorkspaceRole;

  @ApiProperty({
    enum: [...INVITATION_STATUSES, 'expired'],
    description: '`expired`: pending past expiresAt (re-send it for a new link)',
  })
  status!: InvitationStatus | 'expired';

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  invitedBy!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Grace Hopper' })
  inviterName!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  respondedAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static from(v: InvitationView): InvitationDto {
    const expired = v.status === 'pending' && v.expiresAt <= new Date();
    return {
      id: v.id,
      workspaceId: v.workspaceId,
      workspaceName: v.workspaceName,
      email: v.email,
      role: v.role,
      status: expired ? 'expired' : v.status,
      expiresAt: v.expiresAt.toISOString(),
      invitedBy: v.invitedBy,
      inviterName: v.inviterName,
      respondedAt: v.respondedAt?.toISOString() ?? null,
      createdAt: v.createdAt.toISOString(),
      updatedAt: v.updatedAt.toISOString(),
    };
  }
}

export class RegisterWithInvitationDto {
  @ApiProperty({ description: 'The token of the invitation link (its `token` query parameter)' })
  @IsString()
  @MinLength(16)
  @MaxLength(200)
  token!: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  fullName!: string;

  @ApiProperty({ format: 'password', minLength: 12 })
  @IsString()
  @MaxLength(256)
  password!: string;
}
