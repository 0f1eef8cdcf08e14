import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { DEFAULT_COMMAND_TIMEOUT_SECONDS, MAX_COMMAND_PARAMS_BYTES } from '@labwire/domain';
import { IsNotBlank } from '../../common/dto/not-blank.decorator';

export class CreateCommandDto {
  @ApiProperty({ example: 'start-run', minLength: 1, maxLength: 200, description: 'What the instrument should do' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @IsNotBlank()
  name!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    default: {},
    example: { method: 'ISO-17025-A', samples: 12 },
    description: `Sent to the instrument as is; at most ${MAX_COMMAND_PARAMS_BYTES} bytes of JSON`,
  })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 86400,
    default: DEFAULT_COMMAND_TIMEOUT_SECONDS,
    description: 'How long after sending a reply is awaited before the command is timed_out',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86400)
  timeoutSeconds?: number;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'If the instrument is offline until then, the command expires unsent; null: it waits indefinitely',
  })
  @IsOptional()
  @IsDateString({ strict: true })
  expiresAt?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 200,
    description:
      'Retrying with the same key answers the same command (200) instead of creating another; the same key ' +
      'with a different body is a 409 IDEMPOTENCY_KEY_REUSED. Keys are per instrument.',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  idempotencyKey?: string | null;
}
