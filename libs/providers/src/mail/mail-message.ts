/** One rendered mail, ready for a transport. */
export interface MailMessage {
  to: string | string[];
  subject: string;
  text: string;
  html: string;
  /** RFC 5322 Message-ID (`<id@host>`); a retried job sends the same one, so receivers can drop duplicates */
  messageId?: string;
}

export interface SentMail {
  messageId: string;
  /** recipients the server accepted */
  accepted: string[];
  /** where the mail was written, when no SMTP server is configured */
  file?: string;
}
