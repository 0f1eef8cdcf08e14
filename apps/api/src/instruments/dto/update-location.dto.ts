import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { IsOptionalNotNull } from '../../common/dto/optional-not-null.decorator';
import { IsNotBlank } from '../../common/dto/not-blank.decorator';

export class UpdateLocationDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, description: 'Unique in the workspace' })
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

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 1000, description: 'null clears it' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  address?: string | null;
}
