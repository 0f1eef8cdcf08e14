import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { AlertSilence } from '@labwire/domain';
import { PageQueryDto } from '../../common/dto/page-query.dto';
import { IsNotBlank } from '../../common/dto/not-blank.decorator';

export class AlertSilenceInputDto {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'freezer-temp-high',
    description: 'Key and/or instrumentId',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  key?: string | null;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true })
  @IsOptional()
  @IsUUID()
  instrumentId?: string | null;

  @ApiPropertyOptional({ format: 'date-time', description: 'Default: now' })
  @IsOptional()
  @IsDateString({ strict: true })
  startsAt?: string;

  @ApiProperty({ format: 'date-time' })
  @IsDateString({ strict: true })
  endsAt!: string;

  @ApiProperty({ example: 'Defrost cycle', maxLength: 500 })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  @IsNotBlank()
  reason!: string;
}

export class ListAlertSilencesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'true: only silences in force now' })
  @IsOptional()
  @IsIn(['true', 'false'])
  active?: 'true' | 'false';
}

export class AlertSilenceDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  workspaceId!: string;

  @ApiProperty({ type: String, nullable: true })
  key!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  instrumentId!: string | null;

  @ApiProperty({ format: 'date-time' })
  startsAt!: string;

  @ApiProperty({ format: 'date-time' })
  endsAt!: string;

  @ApiProperty()
  reason!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  createdByUserId!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  static from(s: AlertSilence): AlertSilenceDto {
    return {
      id: s.id,
      workspaceId: s.workspaceId,
      key: s.key,
      instrumentId: s.instrumentId,
      startsAt: s.startsAt.toISOString(),
      endsAt: s.endsAt.toISOString(),
      reason: s.reason,
      createdByUserId: s.createdByUserId,
      createdAt: s.createdAt.toISOString(),
    };
  }
}
