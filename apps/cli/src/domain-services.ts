import { DataSource } from 'typeorm';
import { AppConfig } from '@labwire/core';
import {
  AccountApprovalService,
  AccountMails,
  AccountTokenRepository,
  AuditRepository,
  AuthInvalidator,
  AuditService,
  InstrumentRepository,
  InstrumentService,
  LocationRepository,
  LocationService,
  MailService,
  PasswordHasher,
  ScheduleCreatorCheck,
  SessionRepository,
  UserRepository,
  UserService,
  WorkspaceMemberRepository,
  WorkspaceRepository,
  WorkspaceService,
} from '@labwire/domain';
import { JobProducer } from '@labwire/queue';

/*
 * The CLI composes the domain services by hand rather than booting Nest: it needs a handful of
 * them, no Redis, and starts in milliseconds. The compiler checks this wiring against the services'
 * constructors.
 */

/**
 * The CLI runs without Redis, so it cannot reach the api replicas' auth caches. What it does (create
 * users, seed new workspaces) invalidates nothing they could hold; were it ever to change an existing
 * user, their cache's 5 s TTL would bound the delay.
 */
class NoReplicasToTell extends AuthInvalidator {
  async invalidateUser(): Promise<void> {}
  async invalidateAll(): Promise<void> {}
}

export function createUserService(ds: DataSource): UserService {
  return new UserService(
    ds,
    new UserRepository(ds),
    new SessionRepository(ds),
    new PasswordHasher(),
    new NoReplicasToTell(),
    new ScheduleCreatorCheck(ds, new AuditService(new AuditRepository(ds))),
  );
}

/**
 * Approvals from the CLI: the approved user's mail goes on the mail queue (Redis) like the api's, so
 * the worker sends it; `producer` is the CLI's own JobProducer over QueueRegistry.open().
 */
export function createApprovalService(
  ds: DataSource,
  config: AppConfig,
  producer: JobProducer,
): AccountApprovalService {
  const users = new UserRepository(ds);
  const mails = new AccountMails(new MailService(producer, config), users, config);
  return new AccountApprovalService(ds, users, mails, new NoReplicasToTell(), config);
}

export function createAccountTokens(ds: DataSource): AccountTokenRepository {
  return new AccountTokenRepository(ds);
}

export interface LabServices {
  workspaces: WorkspaceService;
  locations: LocationService;
  instruments: InstrumentService;
}

export function createLabServices(ds: DataSource): LabServices {
  const audit = new AuditService(new AuditRepository(ds));
  return {
    workspaces: new WorkspaceService(
      ds,
      new WorkspaceRepository(ds),
      new WorkspaceMemberRepository(ds),
      audit,
      new NoReplicasToTell(),
    ),
    locations: new LocationService(ds, new LocationRepository(ds), audit),
    instruments: new InstrumentService(ds, new InstrumentRepository(ds), new LocationRepository(ds), audit),
  };
}
