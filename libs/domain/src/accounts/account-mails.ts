import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { User } from '../identity/user.entity';
import { UserRepository } from '../identity/user.repository';
import { MailService } from '../mail/mail.service';

/** `3600` → `1 hour`, `86400` → `1 day`, `5400` → `90 minutes`. */
export function describeDuration(seconds: number): string {
  const units: Array<[number, string]> = [
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} seconds`;
}

/**
 * The account mails and their links (PUBLIC_URL + `/account/…?token=…`, the pages that POST the token
 * to the api). Each is queued on the mail queue; nothing here waits for SMTP.
 */
@Injectable()
export class AccountMails {
  private readonly base: string;

  constructor(
    private readonly mail: MailService,
    private readonly users: UserRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.base = config.mail.publicUrl;
  }

  link(path: string, token?: string): string {
    return `${this.base}${path}${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  }

  async verifyEmail(user: Pick<User, 'fullName'>, email: string, token: string, tokenId: string): Promise<void> {
    await this.mail.enqueue({
      to: email,
      template: 'verify-email',
      vars: {
        name: user.fullName,
        link: this.link('/account/verify-email', token),
        expiresIn: describeDuration(this.config.accounts.emailTokenTtlSeconds),
      },
      key: `verify-${tokenId}`,
    });
  }

  async accountExists(user: User): Promise<void> {
    await this.mail.enqueue({
      to: user.email,
      template: 'account-exists',
      vars: { name: user.fullName, resetLink: this.link('/account/forgot-password') },
    });
  }

  async passwordReset(user: User, token: string, tokenId: string): Promise<void> {
    await this.mail.enqueue({
      to: user.email,
      template: 'password-reset',
      vars: {
        name: user.fullName,
        link: this.link('/account/reset-password', token),
        expiresIn: describeDuration(this.config.accounts.passwordResetTtlSeconds),
      },
      key: `reset-${tokenId}`,
    });
  }

  async passwordChanged(user: User): Promise<void> {
    await this.mail.enqueue({ to: user.email, template: 'password-changed', vars: { name: user.fullName } });
  }

  /** Every active administrator learns that `user` waits for approval (once per user and admin). */
  async approvalRequested(user: User): Promise<void> {
    for (const admin of await this.users.listActiveAdmins()) {
      await this.mail.enqueue({
        to: admin.email,
        template: 'approval-requested',
        vars: { name: user.fullName, email: user.email, docsLink: this.link('/docs') },
        key: `approval-${user.id}-${admin.id}`,
      });
    }
  }

  /**
   * A workspace invitation: to someone with an account, a link to their invitations (accepted after
   * signing in); to someone without, the link that registers them with the invitation's token.
   */
  async invitation(input: {
    email: string;
    hasAccount: boolean;
    workspace: string;
    inviter: string;
    role: string;
    token: string;
    key: string;
  }): Promise<void> {
    const vars = {
      workspace: input.workspace,
      inviter: input.inviter,
      role: input.role,
      expiresIn: describeDuration(this.config.accounts.invitationTtlSeconds),
    };
    await this.mail.enqueue(
      input.hasAccount
        ? {
            to: input.email,
            template: 'workspace-invitation',
            vars: { ...vars, link: this.link('/account/invitations') },
            key: input.key,
          }
        : {
            to: input.email,
            template: 'workspace-invitation-signup',
            vars: { ...vars, link: this.link('/account/accept-invitation', input.token) },
            key: input.key,
          },
    );
  }

  async accountApproved(user: User): Promise<void> {
    await this.mail.enqueue({
      to: user.email,
      template: 'account-approved',
      vars: { name: user.fullName, docsLink: this.link('/docs') },
      key: `approved-${user.id}`,
    });
  }
}
