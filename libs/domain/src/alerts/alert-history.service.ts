import { Injectable } from '@nestjs/common';
import { Page, PageRequest, toPage } from '@labwire/core';
import { AlertHistoryFilter, AlertHistoryRepository } from './alert-history.repository';
import { AlertHistoryEntry } from './alert.types';

/** The history of alert transitions: pages (newest first) and a full export (oldest first). */
@Injectable()
export class AlertHistoryService {
  constructor(private readonly history: AlertHistoryRepository) {}

  async list(workspaceId: string, filter: AlertHistoryFilter, page: PageRequest): Promise<Page<AlertHistoryEntry>> {
    const [items, total] = await this.history.listInWorkspace(workspaceId, filter, page);
    return toPage(items, total, page);
  }

  export(workspaceId: string, filter: AlertHistoryFilter): AsyncGenerator<AlertHistoryEntry[]> {
    return this.history.streamInWorkspace(workspaceId, filter);
  }
}
