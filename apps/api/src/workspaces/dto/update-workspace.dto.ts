import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsOptionalNotNull } from '../../common/dto/optional-not-null.decorator';
import { IsNotBlank } from '../../common/dto/not-blank.decorator';

export class UpdateWorkspaceDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @IsOptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @IsNotBlank()
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2000, description: 'null clears it' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 36500,
    default: 365,
    description: 'Days of telemetry kept; older readings are deleted by scheduled maintenance',
  })
  @IsOptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(36500)
  telemetryRetentionDays?: number;
}
