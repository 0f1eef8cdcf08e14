import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { ConflictPolicy, UNIQUE_CONFLICT_POLICIES } from '@labwire/domain';

export class ImportQueryDto {
  @ApiPropertyOptional({
    enum: UNIQUE_CONFLICT_POLICIES,
    default: 'fail',
    description:
      'A name, serial number, alert config key or content the workspace has already: skip (use the existing one), ' +
      'rename ("name (imported)", an alert key "key-imported"; a data source\'s content cannot be renamed and is ' +
      'skipped), or fail (nothing written)',
  })
  @IsOptional()
  @IsIn(UNIQUE_CONFLICT_POLICIES)
  onConflict?: ConflictPolicy;

  @ApiPropertyOptional({
    default: false,
    description: "only validate: the job's result is the report, nothing is written",
  })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  dryRun?: boolean;
}
