import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { MailingModule } from '../mail/mailing.module';
import { AccountApprovalService } from './account-approval.service';
import { AccountMails } from './account-mails';
import { AccountThrottle } from './account-throttle';
import { AccountTokenRepository } from './account-token.repository';
import { EmailChangeService } from './email-change.service';
import { PasswordRecoveryService } from './password-recovery.service';
import { RegistrationService } from './registration.service';

/** Accounts by email: registration and approval flows, verification, recovery, email change. */
@Module({
  imports: [IdentityModule, MailingModule],
  providers: [
    AccountApprovalService,
    AccountMails,
    AccountThrottle,
    AccountTokenRepository,
    EmailChangeService,
    PasswordRecoveryService,
    RegistrationService,
  ],
  exports: [
    AccountApprovalService,
    AccountMails,
    AccountThrottle,
    AccountTokenRepository,
    EmailChangeService,
    PasswordRecoveryService,
    RegistrationService,
  ],
})
export class AccountsModule {}
