import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { IsDateString, IsInt, IsObject, IsOptional, IsString, IsUUID, MaxLength, Min } from 'class-validator';

export class CreateExperimentDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  protocolId!: string;

  @ApiPropertyOptional({ description: "default: the protocol's current version (which this freezes)" })
  @IsOptional()
  @IsInt()
  @Min(1)
  protocolVersion?: number;

  @ApiPropertyOptional({ maxLength: 200, description: 'default: the protocol name and the date' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 5000 })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  note?: string | null;

  @ApiPropertyOptional({
    description: 'Parameter values by name (defaults fill the rest)',
    type: 'object',
    additionalProperties: true,
    example: { target: 37 },
  })
  @IsOptional()
  @IsObject()
  parameters?: Record<string, unknown>;

  @ApiPropertyOptional({
    description: 'Role name → instrument id (every role must be filled before the experiment starts)',
    type: 'object',
    additionalProperties: { type: 'string', format: 'uuid' },
  })
  @IsOptional()
  @IsObject()
  assignments?: Record<string, string>;
}

/** A draft's changes: fields left out stay; assignments are replaced whole. */
export class UpdateExperimentDto extends PartialType(OmitType(CreateExperimentDto, ['protocolId'] as const)) {}

export class StartExperimentDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'start later (default: now)' })
  @IsOptional()
  @IsDateString({ strict: true })
  scheduledAt?: string;
}
