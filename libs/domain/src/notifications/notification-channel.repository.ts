import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In } from 'typeorm';
import { PageRequest } from '@labwire/core';
import { isUniqueViolation } from '@labwire/database';
import { VersionBump, versionedUpdate } from '../instruments/versioned-update';
import { NotificationChannel, NotificationChannelKind } from './notification-channel.entity';
import { NotificationChannelNameTakenError } from './notifications.errors';

export type NotificationChannelFields = Pick<
  NotificationChannel,
  'name' | 'description' | 'kind' | 'url' | 'recipients' | 'secretCiphertext' | 'enabled' | 'createdBy'
>;

const NAME_CONSTRAINT = 'UQ_notification_channels_workspace_name';

@Injectable()
export class NotificationChannelRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The default entity manager, for writes outside a caller's transaction. */
  manager(): EntityManager {
    return this.dataSource.manager;
  }

  private repo(em?: EntityManager) {
    return (em ?? this.dataSource.manager).getRepository(NotificationChannel);
  }

  async insert(workspaceId: string, data: NotificationChannelFields, em: EntityManager): Promise<NotificationChannel> {
    const repo = this.repo(em);
    try {
      return await repo.save(repo.create({ ...data, workspaceId }));
    } catch (err) {
      if (isUniqueViolation(err, NAME_CONSTRAINT)) throw new NotificationChannelNameTakenError(data.name);
      throw err;
    }
  }

  findInWorkspace(workspaceId: string, id: string, em?: EntityManager): Promise<NotificationChannel | null> {
    return this.repo(em).findOneBy({ workspaceId, id });
  }

  lockInWorkspace(workspaceId: string, id: string, em: EntityManager): Promise<NotificationChannel | null> {
    return this.repo(em).findOne({ where: { workspaceId, id }, lock: { mode: 'pessimistic_write' } });
  }

  /** The workspace's enabled channels among `ids` (unknown or other workspaces' ids are ignored). */
  findEnabled(workspaceId: string, ids: string[], em?: EntityManager): Promise<NotificationChannel[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.repo(em).findBy({ workspaceId, id: In(ids), enabled: true });
  }

  /** Which of `ids` are channels of the workspace. */
  async existing(workspaceId: string, ids: string[], em?: EntityManager): Promise<string[]> {
    if (!ids.length) return [];
    const rows = await this.repo(em).find({ select: { id: true }, where: { workspaceId, id: In(ids) } });
    return rows.map((r) => r.id);
  }

  async listInWorkspace(
    workspaceId: string,
    filter: { kind?: NotificationChannelKind },
    page: PageRequest,
  ): Promise<[NotificationChannel[], number]> {
    return this.repo().findAndCount({
      where: { workspaceId, ...(filter.kind ? { kind: filter.kind } : {}) },
      order: { name: 'ASC', id: 'ASC' },
      take: page.pageSize,
      skip: (page.page - 1) * page.pageSize,
    });
  }

  async update(
    workspaceId: string,
    id: string,
    version: number,
    patch: Partial<NotificationChannelFields>,
    em: EntityManager,
  ): Promise<VersionBump | null> {
    try {
      return await versionedUpdate(em, NotificationChannel, { workspaceId, id, version }, patch);
    } catch (err) {
      if (isUniqueViolation(err, NAME_CONSTRAINT)) throw new NotificationChannelNameTakenError(patch.name ?? '');
      throw err;
    }
  }

  async delete(workspaceId: string, id: string, em: EntityManager): Promise<void> {
    await em.query('DELETE FROM notification_channels WHERE id = $1 AND workspace_id = $2', [id, workspaceId]);
  }
}
