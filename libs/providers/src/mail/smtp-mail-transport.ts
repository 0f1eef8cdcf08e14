import { Logger } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { redactUrl } from '@labwire/core';
import { MailDeliveryError } from './mail.errors';
import { MailMessage, SentMail } from './mail-message';
import { MailTransport } from './mail-transport';

/** Bounds of one delivery: a server that accepts TCP but never answers fails the attempt, and the job retries. */
export const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 } as const;

/** nodemailer over SMTP_URL (`smtp://` with STARTTLS when offered, `smtps://` for implicit TLS). */
export class SmtpMailTransport extends MailTransport {
  private readonly logger = new Logger('Mail');
  private readonly transporter: Transporter;

  constructor(
    private readonly smtpUrl: string,
    private readonly from: string,
  ) {
    super();
    // No pool: one connection per mail, so a connection a server dropped never lingers.
    this.transporter = createTransport({ url: smtpUrl, ...SMTP_TIMEOUTS });
  }

  async send(message: MailMessage): Promise<SentMail> {
    try {
      const info = await this.transporter.sendMail({
        from: this.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        ...(message.messageId && { messageId: message.messageId }),
      });
      const accepted = (info.accepted as Array<string | { address: string }>).map((a) =>
        typeof a === 'string' ? a : a.address,
      );
      if (!accepted.length) throw new MailDeliveryError(`the server accepted no recipient (${info.response})`);
      this.logger.log({ messageId: info.messageId, accepted: accepted.length }, 'mail sent');
      return { messageId: info.messageId, accepted };
    } catch (err) {
      if (err instanceof MailDeliveryError) throw err;
      throw new MailDeliveryError(`${this.describe()}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  describe(): string {
    return redactUrl(this.smtpUrl);
  }

  override async close(): Promise<void> {
    this.transporter.close();
  }
}
