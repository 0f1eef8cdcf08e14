import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCodes } from '@labwire/core';

export class FieldErrorDto {
  @ApiProperty({ example: 'serialNumber' })
  field!: string;

  @ApiProperty({ example: 'serialNumber must be a string' })
  message!: string;
}

/** RFC 9457 problem details, as every error is answered. */
export class ProblemDto {
  @ApiProperty({ example: 'https://labwire.dev/problems/instrument-not-found' })
  type!: string;

  @ApiProperty({ example: 'Not Found' })
  title!: string;

  @ApiProperty({ example: 404 })
  status!: number;

  @ApiProperty({ example: 'Instrument 0c6f… was not found' })
  detail!: string;

  @ApiProperty({ enum: ErrorCodes, enumName: 'ErrorCode', example: 'INSTRUMENT_NOT_FOUND' })
  code!: string;

  @ApiPropertyOptional({ type: [FieldErrorDto] })
  errors?: FieldErrorDto[];

  @ApiPropertyOptional({ description: 'Correlates with the X-Request-Id header and the server logs' })
  requestId?: string;
}
