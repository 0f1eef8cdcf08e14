export * from './invitation.service';
export * from './invitations.errors';
export * from './invitations.module';
export * from './workspace-invitation.entity';
export * from './workspace-invitation.repository';
