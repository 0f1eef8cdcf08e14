import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';
import { USER_STATUSES, UserStatus } from '@labwire/domain';

export class TokenDto {
  @ApiProperty({ description: 'The token of the link in the mail (its `token` query parameter)' })
  @IsString()
  @MinLength(16)
  @MaxLength(200)
  token!: string;
}

export class EmailDto {
  @ApiProperty({ example: 'ada@lab.example' })
  @IsEmail()
  @MaxLength(320)
  email!: string;
}

export class ResetPasswordDto extends TokenDto {
  @ApiProperty({ format: 'password', minLength: 12 })
  @IsString()
  @MaxLength(256)
  password!: string;
}

export class ChangeEmailDto {
  @ApiProperty({ example: 'ada@new-lab.example', description: 'The new address; it takes effect once verified' })
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @ApiProperty({ format: 'password' })
  @IsString()
  @MaxLength(256)
  currentPassword!: string;
}

export class AcceptedDto {
  @ApiProperty({ example: 'If the address can receive it, a mail is on its way.' })
  message!: string;
}

export class RegistrationAcceptedDto extends AcceptedDto {
  @ApiProperty({ example: 'ada@lab.example' })
  email!: string;

  @ApiProperty({ enum: ['pending'], description: 'the account waits for its email verification' })
  status!: 'pending';
}

export class EmailVerifiedDto {
  @ApiProperty({ example: 'ada@lab.example', description: 'the verified address (the new one after an email change)' })
  email!: string;

  @ApiProperty({
    enum: USER_STATUSES,
    enumName: 'UserStatus',
    description: '`active`: sign in now; `pending`: an administrator still has to approve the account',
  })
  status!: UserStatus;
}

export class PasswordResetDto {
  @ApiProperty({ description: 'sessions of the user that were ended (all of them)' })
  endedSessions!: number;

  @ApiProperty({ description: 'API keys of the user that were revoked (all of them)' })
  revokedApiKeys!: number;
}
