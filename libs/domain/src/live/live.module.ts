import { Module } from '@nestjs/common';
import { LiveEventPublisher } from './live-event-publisher';

/** Live instrument events on Redis pub/sub (needs the global RedisModule and config). */
@Module({
  providers: [LiveEventPublisher],
  exports: [LiveEventPublisher],
})
export class LiveModule {}
