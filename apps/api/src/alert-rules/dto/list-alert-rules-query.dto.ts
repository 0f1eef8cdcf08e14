import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { RULE_KINDS, RuleKind } from '@labwire/domain';
import { PageQueryDto } from '../../common/dto/page-query.dto';

export class ListAlertRulesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: RULE_KINDS, enumName: 'AlertRuleKind' })
  @IsOptional()
  @IsIn(RULE_KINDS)
  kind?: RuleKind;

  @ApiPropertyOptional({ format: 'uuid', description: 'Rules scoped to this one instrument' })
  @IsOptional()
  @IsUUID()
  instrumentId?: string;

  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  alertKey?: string;

  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  enabled?: boolean;
}
