import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { MailingModule } from '../mail/mailing.module';
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
    AccountMails,
    AccountThrottle,
    AccountTokenRepository,
    EmailChangeService,
    PasswordRecoveryService,
    RegistrationService,
  ],
  exports: [
    AccountMails,
    AccountThrottle,
    AccountTokenRepository,
    EmailChangeService,
    PasswordRecoveryService,
    RegistrationService,
  ],
})
export class AccountsModule {}
