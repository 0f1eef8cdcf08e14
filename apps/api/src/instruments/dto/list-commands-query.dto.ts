import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsOptional } from 'class-validator';
import { COMMAND_STATUSES, CommandStatus } from '@labwire/domain';
import { PageQueryDto } from '../../common/dto/page-query.dto';

const splitList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : value;

export class ListCommandsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: `Comma-separated statuses (${COMMAND_STATUSES.join(', ')}); default all`,
    example: 'queued,sent',
  })
  @IsOptional()
  @Transform(splitList)
  @IsIn(COMMAND_STATUSES, { each: true })
  @ArrayMaxSize(COMMAND_STATUSES.length)
  status?: CommandStatus[];
}
