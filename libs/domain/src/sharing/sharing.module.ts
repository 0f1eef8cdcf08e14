import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ShareLinkRepository } from './share-link.repository';
import { ShareLinkService } from './share-link.service';
import { ShareRateLimiter } from './share-rate-limiter';

/** Share links and their public use. Needs REDIS (global). */
@Module({
  imports: [AuditModule],
  providers: [ShareLinkRepository, ShareLinkService, ShareRateLimiter],
  exports: [ShareLinkService, ShareRateLimiter],
})
export class SharingModule {}
