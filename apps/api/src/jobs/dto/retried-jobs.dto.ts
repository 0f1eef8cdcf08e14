import { ApiProperty } from '@nestjs/swagger';
import { QueueStatsDto } from './queue-stats.dto';

export class RetriedJobsDto {
  @ApiProperty({ description: 'Failed jobs moved back to waiting' })
  retried!: number;

  @ApiProperty({ type: QueueStatsDto, description: 'The queue afterwards' })
  queue!: QueueStatsDto;
}
