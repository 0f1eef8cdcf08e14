import { ApiProperty } from '@nestjs/swagger';
import { QUEUE_NAMES, QueueStats } from '@labwire/queue';

export class QueueCountsDto {
  @ApiProperty({ description: 'Waiting to run (paused and prioritized jobs included)' })
  waiting!: number;

  @ApiProperty({ description: 'Running now' })
  active!: number;

  @ApiProperty({ description: 'Waiting for their time (retry backoff, delayed jobs)' })
  delayed!: number;

  @ApiProperty({ description: 'Failed for good and still retained' })
  failed!: number;

  @ApiProperty({ description: 'Completed and still retained' })
  completed!: number;
}

export class QueueStatsDto {
  @ApiProperty({ enum: QUEUE_NAMES, enumName: 'QueueName' })
  name!: string;

  @ApiProperty({ description: 'Paused: no worker takes new jobs (active ones finish)' })
  paused!: boolean;

  @ApiProperty({ type: QueueCountsDto })
  counts!: QueueCountsDto;

  static from(stats: QueueStats): QueueStatsDto {
    return { name: stats.name, paused: stats.paused, counts: { ...stats.counts } };
  }
}
