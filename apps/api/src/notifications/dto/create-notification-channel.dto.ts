import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { NOTIFICATION_CHANNEL_KINDS, NotificationChannelKind } from '@labwire/domain';
import { IsNotBlank } from '../../common/dto/not-blank.decorator';

export class CreateNotificationChannelDto {
  @ApiProperty({ example: 'On-call webhook', minLength: 1, maxLength: 200, description: 'Unique in the workspace' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @IsNotBlank()
  name!: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiProperty({ enum: NOTIFICATION_CHANNEL_KINDS, description: 'webhook: signed JSON POSTs; email: mails' })
  @IsIn(NOTIFICATION_CHANNEL_KINDS)
  kind!: NotificationChannelKind;

  @ApiPropertyOptional({
    example: 'https://hooks.example.com/labwire',
    maxLength: 2000,
    description: 'webhook only: http(s) URL deliveries are POSTed to (checked by the SSRF guard)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  url?: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: 20,
    example: ['oncall@lab.example'],
    description: 'email only: 1 to 20 addresses',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(320, { each: true })
  recipients?: string[];

  @ApiPropertyOptional({ default: true, description: 'a disabled channel gets no alert notifications' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}
