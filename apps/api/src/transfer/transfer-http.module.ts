import { Module } from '@nestjs/common';
import { SharingModule, TransferModule } from '@labwire/domain';
import { WorkspacesHttpModule } from '../workspaces/workspaces-http.module';
import { TransferController } from './transfer.controller';

/** Export and import of workspaces. */
@Module({
  imports: [TransferModule, SharingModule, WorkspacesHttpModule],
  controllers: [TransferController],
})
export class TransferHttpModule {}
