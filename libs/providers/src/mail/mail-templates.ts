/**
 * Every mail Labwire sends: its variables and its subject. The bodies are files in `templates/`
 * (`<name>.html` and `<name>.txt`, both wrapped in `layout.html` / `layout.txt`); `{{variable}}` in
 * them is replaced, HTML-escaped in the HTML part. A template named here without its files, or a
 * variable a file uses that is not declared here, fails the renderer's check (mail-renderer.spec.ts).
 */
export interface MailTemplateVars {
  /** a new account's (or a changed address's) verification link */
  'verify-email': { name: string; link: string; expiresIn: string };
  /** someone registered with an address that already has an account */
  'account-exists': { name: string; resetLink: string };
  /** administrators: a user waits for approval */
  'approval-requested': { name: string; email: string; docsLink: string };
  /** the user: an administrator approved the account */
  'account-approved': { name: string; docsLink: string };
  'password-reset': { name: string; link: string; expiresIn: string };
  /** the account's password was reset (sent after the fact, to notice a reset one did not ask for) */
  'password-changed': { name: string };
  /** an invitation to someone who has an account */
  'workspace-invitation': { workspace: string; inviter: string; role: string; link: string; expiresIn: string };
  /** an invitation to someone without an account: the link registers them */
  'workspace-invitation-signup': { workspace: string; inviter: string; role: string; link: string; expiresIn: string };
}

export type MailTemplateName = keyof MailTemplateVars;

export const MAIL_SUBJECTS: { readonly [T in MailTemplateName]: string } = {
  'verify-email': 'Confirm your email address',
  'account-exists': 'Someone tried to register with your email address',
  'approval-requested': 'A new Labwire account waits for approval',
  'account-approved': 'Your Labwire account is active',
  'password-reset': 'Reset your Labwire password',
  'password-changed': 'Your Labwire password was changed',
  'workspace-invitation': 'You are invited to a Labwire workspace',
  'workspace-invitation-signup': 'You are invited to a Labwire workspace',
};

export const MAIL_TEMPLATE_NAMES = Object.keys(MAIL_SUBJECTS) as MailTemplateName[];

export function isMailTemplateName(name: string): name is MailTemplateName {
  return (MAIL_TEMPLATE_NAMES as string[]).includes(name);
}
