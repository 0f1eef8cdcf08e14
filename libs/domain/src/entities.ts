import { AccountToken } from './accounts/account-token.entity';
import { ApiKey } from './identity/api-key.entity';
import { AlertRule } from './alert-rules/alert-rule.entity';
import { AlertRuleState } from './alert-rules/alert-rule-state.entity';
import { RefreshToken } from './identity/refresh-token.entity';
import { Session } from './identity/session.entity';
import { User } from './identity/user.entity';
import { AuditEntry } from './audit/audit-entry.entity';
import { Command } from './commands/command.entity';
import { Instrument } from './instruments/instrument.entity';
import { InstrumentStateTransition } from './instruments/instrument-state-transition.entity';
import { Job } from './jobs/job.entity';
import { Location } from './instruments/location.entity';
import { NotificationAttempt } from './notifications/notification-attempt.entity';
import { NotificationChannel } from './notifications/notification-channel.entity';
import { NotificationDelivery } from './notifications/notification-delivery.entity';
import { Workspace } from './workspaces/workspace.entity';
import { WorkspaceInvitation } from './invitations/workspace-invitation.entity';
import { WorkspaceMember } from './workspaces/workspace-member.entity';

/** Every entity TypeORM maps; the data source of api, worker, CLI and tests uses this list. */
export const ENTITIES = [
  User,
  Session,
  RefreshToken,
  ApiKey,
  Workspace,
  WorkspaceMember,
  Location,
  Instrument,
  AuditEntry,
  Job,
  InstrumentStateTransition,
  Command,
  NotificationChannel,
  NotificationDelivery,
  NotificationAttempt,
  AccountToken,
  WorkspaceInvitation,
  AlertRule,
  AlertRuleState,
];
