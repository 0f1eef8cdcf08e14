import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { CALIBRATION_RESULTS, CalibrationResult } from '@labwire/domain';
import { PageQueryDto } from '../../common/dto/page-query.dto';

export class ListCalibrationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CALIBRATION_RESULTS, enumName: 'CalibrationResult' })
  @IsOptional()
  @IsIn(CALIBRATION_RESULTS)
  result?: CalibrationResult;
}
