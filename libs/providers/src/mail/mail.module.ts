import { Global, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { FileMailTransport } from './file-mail-transport';
import { MailDeliveryError } from './mail.errors';
import { MailMessage, SentMail } from './mail-message';
import { MailRenderer } from './mail-renderer';
import { MailTransport } from './mail-transport';
import { SmtpMailTransport } from './smtp-mail-transport';

/**
 * Whether Labwire sends mail: with SMTP_URL always; without it, outside production, to .eml files.
 * Production without SMTP_URL sends none (allowed only with USERS_APPROVAL_FLOW=admin: loadConfig).
 */
export function mailEnabled(config: AppConfig): boolean {
  return config.mail.smtpUrl !== null || config.env !== 'production';
}

/** Production without SMTP_URL: every send fails, saying why. */
class NoMailTransport extends MailTransport {
  async send(_message: MailMessage): Promise<SentMail> {
    throw new MailDeliveryError('mail is off: SMTP_URL is not set');
  }

  describe(): string {
    return 'no mail (SMTP_URL is not set)';
  }
}

export function createMailTransport(config: AppConfig): MailTransport {
  if (config.mail.smtpUrl) return new SmtpMailTransport(config.mail.smtpUrl, config.mail.from);
  if (config.env === 'production') return new NoMailTransport();
  return new FileMailTransport(config.mail.dir, config.mail.from);
}

@Injectable()
class MailTransportCloser implements OnApplicationShutdown {
  constructor(private readonly transport: MailTransport) {}

  async onApplicationShutdown(): Promise<void> {
    await this.transport.close();
  }
}

/** The one mailer: MailTransport (from SMTP_URL) and MailRenderer (the templates), for api, worker and CLI. */
@Global()
@Module({
  providers: [
    {
      provide: MailTransport,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): MailTransport => {
        const transport = createMailTransport(config);
        const logger = new Logger('Mail');
        if (!mailEnabled(config)) {
          logger.warn(
            'SMTP_URL is not set: Labwire sends no mail (password recovery, invitations and approval notices ' +
              'are not delivered); use npm run cli -- user:reset-password for lost passwords',
          );
        }
        return transport;
      },
    },
    { provide: MailRenderer, useFactory: () => new MailRenderer() },
    MailTransportCloser,
  ],
  exports: [MailTransport, MailRenderer],
})
export class MailModule {}
