/** One rendered notification mail. */
export interface NotificationMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/** Sends a notification mail now (the delivery job retries on failure); bound to the one mailer. */
export interface NotificationMailer {
  send(mail: NotificationMail, signal?: AbortSignal): Promise<void>;
}

export const NOTIFICATION_MAILER = Symbol('NOTIFICATION_MAILER');
