import { MailMessage, SentMail } from './mail-message';

/**
 * Sends one rendered mail now. The mail queue's worker calls it (so do other queues' workers that
 * render their own mails, e.g. notifications); a request never does: an SMTP server that is slow or
 * down must not slow a request. Throws MailDeliveryError when the mail was not accepted.
 */
export abstract class MailTransport {
  abstract send(message: MailMessage): Promise<SentMail>;
  /** what the transport is, for logs: `smtp://host:port` (credentials removed) or the .eml directory */
  abstract describe(): string;
  /** closes pooled connections */
  async close(): Promise<void> {}
}
