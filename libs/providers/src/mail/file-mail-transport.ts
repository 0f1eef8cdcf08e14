import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { MailMessage, SentMail } from './mail-message';
import { MailTransport } from './mail-transport';

const LINK = /https?:\/\/[^\s<>"]+/g;

/**
 * Development without SMTP_URL: each mail becomes an `.eml` file under MAIL_DIR (open it with any mail
 * client) and its links are logged, so every flow works out of the box.
 */
export class FileMailTransport extends MailTransport {
  private readonly logger = new Logger('Mail');
  private readonly composer: Transporter;
  private readonly dir: string;

  constructor(
    dir: string,
    private readonly from: string,
  ) {
    super();
    this.dir = resolve(dir);
    this.composer = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  async send(message: MailMessage): Promise<SentMail> {
    const info = await this.composer.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      ...(message.messageId && { messageId: message.messageId }),
    });
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = join(this.dir, `${stamp}-${randomUUID().slice(0, 8)}.eml`);
    await writeFile(file, info.message as Buffer, { mode: 0o600 });
    const to = Array.isArray(message.to) ? message.to : [message.to];
    const links = [...new Set(message.text.match(LINK) ?? [])];
    this.logger.log({ to, subject: message.subject, file, links }, 'mail written (no SMTP_URL)');
    return { messageId: info.messageId, accepted: to, file };
  }

  describe(): string {
    return `.eml files in ${this.dir}`;
  }
}
