import { Module } from '@nestjs/common';
import { IdentityModule } from '@labwire/domain';
import { RedisChannelHub } from './redis-channel-hub';
import { SseStreamAccess } from './sse-stream-access';
import { SseService } from './sse.service';

/**
 * Server-Sent Events relayed from Redis pub/sub. Import it in the HTTP module whose controller
 * streams; the module is a singleton, so the api keeps one subscriber connection however many import it.
 */
@Module({
  imports: [IdentityModule],
  providers: [RedisChannelHub, SseStreamAccess, SseService],
  exports: [SseService, RedisChannelHub],
})
export class SseModule {}
