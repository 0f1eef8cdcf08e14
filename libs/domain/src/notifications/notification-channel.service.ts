import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  APP_CONFIG,
  AppConfig,
  FieldError,
  Page,
  PageRequest,
  toPage,
  ValidationError,
  VersionMismatchError,
} from '@labwire/core';
import { NetworkPolicy, WebhookSender } from '@labwire/providers';
import { Actor } from '../audit/actor';
import { changedFields, createdChanges, deletedChanges, effectivePatch } from '../audit/audit-changes';
import { AuditService } from '../audit/audit.service';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import { NotificationChannel, NotificationChannelKind } from './notification-channel.entity';
import { NotificationChannelFields, NotificationChannelRepository } from './notification-channel.repository';
import { NotificationDispatcher } from './notification-dispatcher';
import { NotificationChannelNotFoundError } from './notifications.errors';
import { WebhookSecretCipher } from './webhook-secret-cipher';

export interface NotificationChannelInput {
  name: string;
  description?: string | null;
  kind: NotificationChannelKind;
  url?: string | null;
  recipients?: string[] | null;
  enabled?: boolean;
}

export type NotificationChannelPatch = Partial<Omit<NotificationChannelInput, 'kind'>>;

/** A channel and, right after creation or rotation only, its signing secret in clear. */
export interface ChannelWithSecret {
  channel: NotificationChannel;
  secret: string | null;
}

const AUDITED_FIELDS = ['name', 'description', 'kind', 'url', 'recipients', 'enabled'] as const;
const MAX_RECIPIENTS = 20;
const EMAIL = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]+$/;

/** `whsec_` and 32 random bytes: what a receiver keys its HMAC check with. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * Notification channels of a workspace: webhooks (signed JSON POSTs) and email recipients. Viewers
 * read them (without secrets), editors manage them. A webhook's secret is shown once, at creation
 * or rotation, and kept encrypted.
 */
@Injectable()
export class NotificationChannelService {
  private readonly policy: NetworkPolicy;

  constructor(
    private readonly dataSource: DataSource,
    private readonly channels: NotificationChannelRepository,
    private readonly cipher: WebhookSecretCipher,
    private readonly audit: AuditService,
    private readonly dispatcher: NotificationDispatcher,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.policy = new NetworkPolicy(config.notifications.allowPrivateNetworks);
  }

  async list(
    workspaceId: string,
    filter: { kind?: NotificationChannelKind },
    page: PageRequest,
  ): Promise<Page<NotificationChannel>> {
    const [items, total] = await this.channels.listInWorkspace(workspaceId, filter, page);
    return toPage(items, total, page);
  }

  async get(workspaceId: string, id: string): Promise<NotificationChannel> {
    const channel = await this.channels.findInWorkspace(workspaceId, id);
    if (!channel) throw new NotificationChannelNotFoundError(id);
    return channel;
  }

  async create(
    membership: WorkspaceMembership,
    input: NotificationChannelInput,
    actor: Actor,
  ): Promise<ChannelWithSecret> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const target = await this.target(input.kind, input.url, input.recipients);
    const secret = input.kind === 'webhook' ? newSecret() : null;
    const fields: NotificationChannelFields = {
      name: input.name.trim(),
      description: input.description ?? null,
      kind: input.kind,
      ...target,
      secretCiphertext: secret ? this.cipher.encrypt(secret) : null,
      enabled: input.enabled ?? true,
      createdBy: actor.userId,
    };
    const channel = await this.dataSource.transaction(async (em) => {
      const created = await this.channels.insert(workspaceId, fields, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'create',
        entityType: 'notification_channel',
        entityId: created.id,
        changes: createdChanges(created, AUDITED_FIELDS),
      });
      return created;
    });
    return { channel, secret };
  }

  async update(
    membership: WorkspaceMembership,
    id: string,
    patch: NotificationChannelPatch,
    expectedVersion: number | undefined,
    actor: Actor,
  ): Promise<NotificationChannel> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const current = await this.get(workspaceId, id);
    const clean: Partial<NotificationChannelFields> = {};
    if (patch.name !== undefined) clean.name = patch.name.trim();
    if (patch.description !== undefined) clean.description = patch.description;
    if (patch.enabled !== undefined) clean.enabled = patch.enabled;
    if (patch.url !== undefined || patch.recipients !== undefined) {
      const target = await this.target(
        current.kind,
        patch.url !== undefined ? patch.url : current.url,
        patch.recipients !== undefined ? patch.recipients : current.recipients,
      );
      if (patch.url !== undefined) clean.url = target.url;
      if (patch.recipients !== undefined) clean.recipients = target.recipients;
    }
    return this.dataSource.transaction(async (em) => {
      const before = await this.channels.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new NotificationChannelNotFoundError(id);
      if (expectedVersion !== undefined && expectedVersion !== before.version) {
        throw new VersionMismatchError('Notification channel', before.version);
      }
      const changes = changedFields(before, clean);
      if (!Object.keys(changes).length) return before;
      const effective = effectivePatch(clean, changes);
      const bump = await this.channels.update(workspaceId, id, before.version, effective, em);
      if (!bump) throw new VersionMismatchError('Notification channel', before.version);
      await this.audit.record(em, workspaceId, actor, {
        action: 'update',
        entityType: 'notification_channel',
        entityId: id,
        changes,
      });
      return { ...before, ...effective, ...bump };
    });
  }

  async remove(membership: WorkspaceMembership, id: string, actor: Actor): Promise<void> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    await this.dataSource.transaction(async (em) => {
      const before = await this.channels.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new NotificationChannelNotFoundError(id);
      await this.channels.delete(workspaceId, id, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'delete',
        entityType: 'notification_channel',
        entityId: id,
        changes: deletedChanges(before, AUDITED_FIELDS),
      });
    });
  }

  /** A new signing secret for a webhook channel, shown once; the old one stops working at once. */
  async rotateSecret(membership: WorkspaceMembership, id: string, actor: Actor): Promise<ChannelWithSecret> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    return this.dataSource.transaction(async (em) => {
      const before = await this.channels.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new NotificationChannelNotFoundError(id);
      if (before.kind !== 'webhook') {
        throw new ValidationError('Only webhook channels have a signing secret', [
          { field: 'kind', message: `is "${before.kind}"; only webhook channels sign their deliveries` },
        ]);
      }
      const secret = newSecret();
      const bump = await this.channels.update(
        workspaceId,
        id,
        before.version,
        { secretCiphertext: this.cipher.encrypt(secret) },
        em,
      );
      if (!bump) throw new VersionMismatchError('Notification channel', before.version);
      await this.audit.record(em, workspaceId, actor, {
        action: 'update',
        entityType: 'notification_channel',
        entityId: id,
        // the secret itself is never in the audit log
        changes: { secret: { from: '(previous)', to: '(rotated)' } },
      });
      return { channel: { ...before, ...bump }, secret };
    });
  }

  /**
   * Refuses (400, field `field[i]`) channel ids that are not channels of the workspace: what an alert
   * config may notify.
   */
  async assertChannels(workspaceId: string, ids: string[], field: string, em?: EntityManager): Promise<void> {
    const found = new Set(await this.channels.existing(workspaceId, ids, em));
    const errors = ids.flatMap((id, i) =>
      found.has(id)
        ? []
        : [{ field: `${field}[${i}]`, message: `${id} is not a notification channel of this workspace` }],
    );
    if (errors.length) throw new ValidationError('Unknown notification channels', errors);
  }

  /** Queues a test notification to the channel (even a disabled one) and answers its delivery id. */
  async sendTest(membership: WorkspaceMembership, id: string, actor: Actor): Promise<string> {
    assertWorkspaceRole(membership, 'editor');
    const channel = await this.get(membership.workspaceId, id);
    return this.dispatcher.sendTest(channel, actor);
  }

  /**
   * Why a webhook URL cannot be a channel's (the checks of create: scheme, credentials, and a host the
   * SSRF guard forbids), or undefined. Imports check their channels with it.
   */
  async webhookUrlProblem(url: string): Promise<string | undefined> {
    return WebhookSender.urlProblem(url) ?? (await this.addressProblem(url));
  }

  /** A new signing secret, encrypted as create stores it; the clear secret is dropped (rotate to learn one). */
  sealedNewSecret(): string {
    return this.cipher.encrypt(newSecret());
  }

  /** The channel's target, validated: 400 with field errors when it cannot be one. */
  private async target(
    kind: NotificationChannelKind,
    url: string | null | undefined,
    recipients: string[] | null | undefined,
  ): Promise<Pick<NotificationChannelFields, 'url' | 'recipients'>> {
    const errors: FieldError[] = [];
    if (kind === 'webhook') {
      if (recipients?.length) errors.push({ field: 'recipients', message: 'is only for email channels' });
      if (!url) errors.push({ field: 'url', message: 'is required for a webhook channel' });
      else {
        const problem = WebhookSender.urlProblem(url) ?? (await this.addressProblem(url));
        if (problem) errors.push({ field: 'url', message: problem });
      }
      if (errors.length) throw new ValidationError('The webhook channel cannot be saved', errors);
      return { url: url as string, recipients: null };
    }
    if (url) errors.push({ field: 'url', message: 'is only for webhook channels' });
    const list = [...new Set((recipients ?? []).map((r) => r.trim().toLowerCase()))];
    if (!list.length) errors.push({ field: 'recipients', message: 'needs at least one email address' });
    if (list.length > MAX_RECIPIENTS)
      errors.push({ field: 'recipients', message: `has more than ${MAX_RECIPIENTS} addresses` });
    list.forEach((r, i) => {
      if (!EMAIL.test(r)) errors.push({ field: `recipients[${i}]`, message: `"${r}" is not an email address` });
    });
    if (errors.length) throw new ValidationError('The email channel cannot be saved', errors);
    return { url: null, recipients: list };
  }

  /**
   * Refuses, at creation already, a webhook host that resolves to an address the SSRF guard forbids
   * (each delivery checks again). A host that does not resolve now is accepted: it may later.
   */
  private async addressProblem(value: string): Promise<string | undefined> {
    const url = new URL(value);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      return undefined;
    }
    for (const address of addresses) {
      const problem = this.policy.check(address, port);
      if (problem) {
        return `${url.host} is refused: ${isIP(host) ? 'it is' : 'it resolves to'} ${problem}; an operator can allow it with NOTIFY_ALLOW_PRIVATE_NETWORKS`;
      }
    }
    return undefined;
  }
}
