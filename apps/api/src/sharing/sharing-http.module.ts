import { Module } from '@nestjs/common';
import { ClassificationModule, IngestionModule, InstrumentsModule, SharingModule } from '@labwire/domain';
import { WorkspacesHttpModule } from '../workspaces/workspaces-http.module';
import { SharedController } from './shared.controller';
import { ShareLinksController } from './share-links.controller';

/** Share links (members) and the shared reads (anyone with a token). */
@Module({
  imports: [SharingModule, IngestionModule, ClassificationModule, InstrumentsModule, WorkspacesHttpModule],
  controllers: [ShareLinksController, SharedController],
})
export class SharingHttpModule {}
