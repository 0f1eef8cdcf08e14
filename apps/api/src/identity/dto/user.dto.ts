import { ApiProperty } from '@nestjs/swagger';
import { PLATFORM_ROLES, PlatformRole, User, USER_STATUSES, UserStatus } from '@labwire/domain';

export class UserDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'ada@lab.example' })
  email!: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  fullName!: string;

  @ApiProperty({ enum: PLATFORM_ROLES, enumName: 'PlatformRole' })
  role!: PlatformRole;

  @ApiProperty({ enum: USER_STATUSES, enumName: 'UserStatus' })
  status!: UserStatus;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastLoginAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'when the address was confirmed' })
  emailVerifiedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'when an administrator approved it' })
  approvedAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static from(u: User): UserDto {
    return {
      id: u.id,
      email: u.email,
      fullName: u.fullName,
      role: u.role,
      status: u.status,
      lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
      emailVerifiedAt: u.emailVerifiedAt?.toISOString() ?? null,
      approvedAt: u.approvedAt?.toISOString() ?? null,
      createdAt: u.createdAt.toISOString(),
      updatedAt: u.updatedAt.toISOString(),
    };
  }
}
