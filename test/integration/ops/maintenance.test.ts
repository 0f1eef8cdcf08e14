import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Job } from 'bullmq';
import { AppConfig, loadConfig } from '../../../libs/core/src';
import {
  AccountTokenRepository,
  AlertRetentionRepository,
  AuditRetentionRepository,
  createDomainDataSource,
  MaintenanceService,
  SessionRepository,
  TelemetryMaintenanceService,
  TelemetryRepository,
  TelemetryWriter,
} from '../../../libs/domain/src';
import { JobName } from '../../../libs/queue/src';
import { MaintenanceProcessor } from '../../../apps/worker/src/processors/maintenance.processor';
import type { CalibrationDueService, JobsService } from '../../../libs/domain/src';
import { testEnv } from '../../support/test-app';

/** The jobs sweep has its own test (test/integration/jobs/jobs-sweep.test.ts). */
const notUsedHere = undefined as unknown as JobsService;
const dueNotUsedHere = undefined as unknown as CalibrationDueService;
import { createTestDatabase } from '../../support/test-db';

const DAY = 86400_000;

describe('maintenance purge', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: DataSource;
  let config: AppConfig;
  let service: MaintenanceService;
  let telemetry: TelemetryMaintenanceService;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    db = await createTestDatabase();
    config = loadConfig(testEnv(db.url, { AUDIT_RETENTION: '30d' }));
    ds = createDomainDataSource(config, 'labwire-test');
    await ds.initialize();
    service = new MaintenanceService(
      config,
      new SessionRepository(ds),
      new AuditRetentionRepository(ds),
      new AlertRetentionRepository(ds),
      new AccountTokenRepository(ds),
    );
    const repo = new TelemetryRepository(ds);
    telemetry = new TelemetryMaintenanceService(repo, new TelemetryWriter(ds, repo));
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  async function seed(now: Date) {
    const ago = (days: number) => new Date(now.getTime() - days * DAY);
    const [user] = await ds.query(
      `INSERT INTO users (email, full_name, role, status, password_hash)
       VALUES ('purge-${now.getTime()}@lab.test', 'P', 'user', 'active', 'x') RETURNING id`,
    );
    const session = async (expiresAt: Date, revokedAt: Date | null) =>
      (
        await ds.query(`INSERT INTO sessions (user_id, expires_at, revoked_at) VALUES ($1, $2, $3) RETURNING id`, [
          user.id,
          expiresAt,
          revokedAt,
        ])
      )[0].id as string;
    const token = async (sessionId: string, expiresAt: Date) =>
      (
        await ds.query(
          `INSERT INTO refresh_tokens (session_id, user_id, token_hash, expires_at)
           VALUES ($1, $2, md5(random()::text), $3) RETURNING id`,
          [sessionId, user.id, expiresAt],
        )
      )[0].id as string;
    const expired = await session(ago(1), null);
    const revokedLongAgo = await session(ago(-5), ago(2));
    const active = await session(ago(-7), null);
    const expiredTokenOfActive = await token(active, ago(3));
    const liveToken = await token(active, ago(-7));
    await token(expired, ago(1));

    const [ws] = await ds.query(`INSERT INTO workspaces (name) VALUES ('purge') RETURNING id`);
    const audit = async (createdAt: Date) =>
      (
        await ds.query(
          `INSERT INTO audit_entries (workspace_id, action, entity_type, entity_id, created_at)
           VALUES ($1, 'update', 'instrument', gen_random_uuid(), $2) RETURNING id`,
          [ws.id, createdAt],
        )
      )[0].id as string;
    const oldAudit = [await audit(ago(400)), await audit(ago(31))];
    const freshAudit = [await audit(ago(29)), await audit(ago(0))];

    // mailed links: expired, used, and one still usable (the purge runs at `now`)
    const accountToken = async (purpose: string, expiresAt: Date, usedAt: Date | null) =>
      (
        await ds.query(
          `INSERT INTO account_tokens (user_id, purpose, token_hash, email, expires_at, used_at)
           VALUES ($1, $2, md5(random()::text), 'purge@lab.test', $3, $4) RETURNING id`,
          [user.id, purpose, expiresAt, usedAt],
        )
      )[0].id as string;
    const deadAccountTokens = [
      await accountToken('verify_email', ago(1), null),
      await accountToken('reset_password', ago(-1), ago(0.5)),
      await accountToken('reset_password', ago(3), ago(3.5)),
    ];
    const usableAccountToken = await accountToken('reset_password', ago(-1), null);
    return {
      expired,
      revokedLongAgo,
      active,
      expiredTokenOfActive,
      liveToken,
      oldAudit,
      freshAudit,
      deadAccountTokens,
      usableAccountToken,
    };
  }

  const ids = async (table: string, list: string[]) =>
    ((await ds.query(`SELECT id FROM ${table} WHERE id = ANY($1)`, [list])) as Array<{ id: string }>).map((r) => r.id);

  it('deletes ended sessions, expired tokens, spent account tokens and audit entries past retention, and keeps the rest', async () => {
    const now = new Date();
    const s = await seed(now);
    const report = await service.purge(now);

    expect(await ids('sessions', [s.expired, s.revokedLongAgo, s.active])).toEqual([s.active]);
    expect(await ids('refresh_tokens', [s.expiredTokenOfActive, s.liveToken])).toEqual([s.liveToken]);
    expect((await ids('audit_entries', [...s.oldAudit, ...s.freshAudit])).sort()).toEqual([...s.freshAudit].sort());
    expect(await ids('account_tokens', [...s.deadAccountTokens, s.usableAccountToken])).toEqual([s.usableAccountToken]);
    // 2 sessions (their tokens cascade) + 1 expired token of a live session
    expect(report).toEqual({
      sessionRows: 3,
      accountTokens: 3,
      auditEntries: 2,
      sessionsBefore: now.toISOString(),
      auditBefore: new Date(now.getTime() - 30 * DAY).toISOString(),
      // no alerts here (see test/integration/alerts/alert-timers.test.ts); ALERT_HISTORY_RETENTION defaults to 365d
      alerts: 0,
      alertHistoryEntries: 0,
      alertSilences: 0,
      notificationDeliveries: 0,
      alertsBefore: new Date(now.getTime() - 365 * DAY).toISOString(),
    });

    // idempotent: a second run finds nothing more
    expect(await service.purge(now)).toMatchObject({ sessionRows: 0, accountTokens: 0, auditEntries: 0 });
  });

  it('runs through the worker processor by job name and returns the counts', async () => {
    const now = new Date();
    const s = await seed(now);
    const processor = new MaintenanceProcessor(service, telemetry, notUsedHere, dueNotUsedHere);
    const job = { name: JobName.MaintenancePurge, data: {}, id: '1' } as unknown as Job;
    const result = await processor.process(job);
    expect(result).toMatchObject({ sessionRows: 3, accountTokens: 3, auditEntries: 2 });
    expect(await ids('sessions', [s.active, s.expired])).toEqual([s.active]);
    expect(await ids('account_tokens', [...s.deadAccountTokens, s.usableAccountToken])).toEqual([s.usableAccountToken]);
  });

  it('runs telemetry retention through the same processor', async () => {
    const processor = new MaintenanceProcessor(service, telemetry, notUsedHere, dueNotUsedHere);
    const job = { name: JobName.TelemetryRetention, data: {}, id: '2' } as unknown as Job;
    expect(await processor.process(job)).toMatchObject({ partitionsDropped: [], rowsDeleted: 0, keptDays: 365 });
  });

  it('rejects a job name it has no handler for', async () => {
    const processor = new MaintenanceProcessor(service, telemetry, notUsedHere, dueNotUsedHere);
    await expect(processor.process({ name: 'maintenance.nope', data: {} } as unknown as Job)).rejects.toThrow(
      /queue maintenance has no handler for job "maintenance.nope"/,
    );
  });
});
