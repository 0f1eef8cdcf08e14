import { Command, CommandStatus } from './command.entity';

/** A command as the API returns it and its event stream carries it (JSON, times as ISO-8601). */
export interface CommandView {
  id: string;
  workspaceId: string;
  instrumentId: string;
  name: string;
  params: Record<string, unknown>;
  status: CommandStatus;
  timeoutSeconds: number;
  expiresAt: string | null;
  idempotencyKey: string | null;
  result: unknown;
  error: string | null;
  createdByUserId: string | null;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
  completedAt: string | null;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export function commandView(c: Command): CommandView {
  return {
    id: c.id,
    workspaceId: c.workspaceId,
    instrumentId: c.instrumentId,
    name: c.name,
    params: c.params,
    status: c.status,
    timeoutSeconds: c.timeoutSeconds,
    expiresAt: iso(c.expiresAt),
    idempotencyKey: c.idempotencyKey,
    result: c.result ?? null,
    error: c.error,
    createdByUserId: c.createdByUserId,
    createdAt: iso(c.createdAt) as string,
    updatedAt: iso(c.updatedAt) as string,
    sentAt: iso(c.sentAt),
    completedAt: iso(c.completedAt),
  };
}
