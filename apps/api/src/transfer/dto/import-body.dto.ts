import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class ImportFromShareLinkDto {
  @ApiProperty({ description: 'The token of a share link with permission import', example: 'lwsh_3q2…' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  shareToken!: string;
}
