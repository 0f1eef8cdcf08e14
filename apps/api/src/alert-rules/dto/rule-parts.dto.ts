import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

/** Which instruments a rule watches: one instrument, or instruments by type and/or location. */
export class RuleScopeDto {
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'One instrument' })
  @IsOptional()
  @IsUUID()
  instrumentId?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 200,
    description: 'Instruments whose `type` is this',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  instrumentType?: string | null;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'Instruments at this location' })
  @IsOptional()
  @IsUUID()
  locationId?: string | null;
}

/** A closed range of values. */
export class RuleRangeDto {
  @ApiProperty({ example: 2 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  low!: number;

  @ApiProperty({ example: 8 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  high!: number;
}
