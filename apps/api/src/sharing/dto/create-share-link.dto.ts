import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsInt, IsOptional, IsUUID, Max, Min, ValidateIf } from 'class-validator';
import {
  SHARE_LINK_KINDS,
  SHARE_LINK_MAX_DAYS,
  SHARE_LINK_PERMISSIONS,
  ShareLinkKind,
  ShareLinkPermission,
} from '@labwire/domain';

export class CreateShareLinkDto {
  @ApiProperty({ enum: SHARE_LINK_KINDS, enumName: 'ShareLinkKind', example: 'datasource' })
  @IsIn(SHARE_LINK_KINDS)
  kind!: ShareLinkKind;

  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The shared data source, scheme or classification job (not for a workspace link)',
  })
  @ValidateIf((o: CreateShareLinkDto) => o.kind !== 'workspace' || (o.targetId !== undefined && o.targetId !== null))
  @IsUUID('all')
  targetId?: string | null;

  @ApiProperty({ enum: SHARE_LINK_PERMISSIONS, enumName: 'ShareLinkPermission', example: 'view' })
  @IsIn(SHARE_LINK_PERMISSIONS)
  permission!: ShareLinkPermission;

  @ApiProperty({ format: 'date-time', description: `At most ${SHARE_LINK_MAX_DAYS} days from now` })
  @IsDateString({ strict: true })
  expiresAt!: string;

  @ApiPropertyOptional({
    type: Number,
    minimum: 1,
    maximum: 1_000_000,
    nullable: true,
    description: 'Requests the link serves at most',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  maxUses?: number | null;
}
