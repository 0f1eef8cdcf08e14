import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class RefreshDto {
  @ApiProperty({ description: 'The refresh token from login or the previous refresh; it is spent by this call' })
  @IsString()
  @MinLength(16)
  @MaxLength(200)
  refreshToken!: string;
}
