import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { PLATFORM_ROLES, PlatformRole, USER_STATUSES, UserStatus } from '@labwire/domain';
import { PageQueryDto } from '../../common/dto/page-query.dto';

export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: USER_STATUSES, enumName: 'UserStatus' })
  @IsOptional()
  @IsIn(USER_STATUSES)
  status?: UserStatus;

  @ApiPropertyOptional({ enum: PLATFORM_ROLES, enumName: 'PlatformRole' })
  @IsOptional()
  @IsIn(PLATFORM_ROLES)
  role?: PlatformRole;

  @ApiPropertyOptional({ description: 'Matches email or full name' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}

export class CreateUserDto {
  @ApiProperty()
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  fullName!: string;

  @ApiProperty({ format: 'password', minLength: 12 })
  @IsString()
  @MaxLength(256)
  password!: string;

  @ApiPropertyOptional({ enum: PLATFORM_ROLES, enumName: 'PlatformRole', default: 'user' })
  @IsOptional()
  @IsIn(PLATFORM_ROLES)
  role?: PlatformRole;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: PLATFORM_ROLES, enumName: 'PlatformRole' })
  @IsOptional()
  @IsIn(PLATFORM_ROLES)
  role?: PlatformRole;

  @ApiPropertyOptional({ enum: USER_STATUSES, enumName: 'UserStatus' })
  @IsOptional()
  @IsIn(USER_STATUSES)
  status?: UserStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  fullName?: string;
}

export class ChangePasswordDto {
  @ApiProperty({ format: 'password' })
  @IsString()
  @MaxLength(256)
  currentPassword!: string;

  @ApiProperty({ format: 'password', minLength: 12 })
  @IsString()
  @MaxLength(256)
  newPassword!: string;

  @ApiPropertyOptional({
    default: true,
    description:
      'Revoke every API key of the caller too, so a key made by whoever knew the old password stops working. ' +
      'false keeps them (say so only when you made every one of them yourself).',
  })
  @IsOptional()
  @IsBoolean()
  revokeApiKeys?: boolean;
}

export class PasswordChangedDto {
  @ApiProperty({ description: "the caller's other sessions that were ended (this one stays signed in)" })
  endedSessions!: number;

  @ApiProperty({ description: "the caller's API keys that were revoked (0 with revokeApiKeys: false)" })
  revokedApiKeys!: number;
}
