import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { INSTRUMENT_STATUSES, InstrumentStatus } from '@labwire/domain';
import { PageQueryDto } from '../../common/dto/page-query.dto';

export class ListInstrumentsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: INSTRUMENT_STATUSES, enumName: 'InstrumentStatus' })
  @IsOptional()
  @IsIn(INSTRUMENT_STATUSES)
  status?: InstrumentStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  locationId?: string;

  @ApiPropertyOptional({ description: 'Exact instrument type' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  type?: string;

  @ApiPropertyOptional({ description: 'Matches name, model or serial number (case-insensitive substring)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}
