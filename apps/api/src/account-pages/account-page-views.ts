import { escapeHtml, htmlPage } from '../common/html/html-page';

/**
 * The HTML of the account pages (the links of Labwire's account mails). Links and form actions are
 * relative (every page lives directly under `/account/`), so the pages work under a PUBLIC_URL with a
 * path prefix too. Every value is escaped; the token only ever goes into a hidden field.
 */

const SITE = 'Labwire';

export function page(title: string, body: string): string {
  return htmlPage(title, body, SITE);
}

export function alert(message: string | undefined): string {
  return message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : '';
}

function tokenField(token: string): string {
  return `<input type="hidden" name="token" value="${escapeHtml(token)}">`;
}

function passwordFields(autocomplete: 'new-password'): string {
  return `<label for="password">New password (at least 12 characters)</label>
<input id="password" name="password" type="password" autocomplete="${autocomplete}" minlength="12" maxlength="256" required>
<label for="confirm">The same password again</label>
<input id="confirm" name="confirm" type="password" autocomplete="${autocomplete}" minlength="12" maxlength="256" required>`;
}

export function verifyEmailForm(token: string, email: string): string {
  return page(
    'Confirm your email address',
    `<p>Confirm that <strong>${escapeHtml(email)}</strong> is your address to finish setting it up for your Labwire account.</p>
<form method="post" action="verify-email">${tokenField(token)}<button type="submit">Confirm my address</button></form>`,
  );
}

export function emailVerified(email: string, status: string): string {
  const next =
    status === 'active'
      ? '<p>Your account is active: sign in with your Labwire client.</p>'
      : status === 'pending'
        ? '<p>An administrator still has to approve your account; you will get a mail when they do.</p>'
        : `<p>Your account is ${escapeHtml(status)}; ask an administrator.</p>`;
  return page('Address confirmed', `<p class="ok">${escapeHtml(email)} is confirmed.</p>${next}`);
}

/** A verification link that did not work, with a form that mails a new one. */
export function verifyEmailFailed(message: string): string {
  return page(
    'This link does not work',
    `${alert(message)}
<p>Ask for a new confirmation link: enter the address you registered with.</p>
<form method="post" action="resend-verification">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="email" maxlength="320" required>
<button type="submit">Mail me a new link</button></form>`,
  );
}

export function resetPasswordForm(token: string, email: string, error?: string): string {
  return page(
    'Choose a new password',
    `${alert(error)}
<p>For the account <strong>${escapeHtml(email)}</strong>.</p>
<p>Signing in with the new password works at once; every session of your account ends and its API keys are revoked.</p>
<form method="post" action="reset-password">${tokenField(token)}
${passwordFields('new-password')}
<button type="submit">Set the new password</button></form>`,
  );
}

export function passwordChanged(endedSessions: number, revokedApiKeys: number): string {
  return page(
    'Password changed',
    `<p class="ok">Your new password is set.</p>
<p>${endedSessions} session(s) ended and ${revokedApiKeys} API key(s) were revoked: sign in again with the new
password, and create new API keys for your scripts.</p>`,
  );
}

export function resetPasswordFailed(message: string): string {
  return page(
    'This link does not work',
    `${alert(message)}<p><a href="forgot-password">Ask for a new password reset link</a></p>`,
  );
}

export function forgotPasswordForm(error?: string, email = ''): string {
  return page(
    'Forgot your password?',
    `${alert(error)}
<p>Enter your account's address: we mail you a link to choose a new password.</p>
<form method="post" action="forgot-password">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="email" maxlength="320" value="${escapeHtml(email)}" required>
<button type="submit">Mail me a link</button></form>`,
  );
}

/** The answer to "forgot password" and "resend verification": the same whether or not an account exists. */
export function mailOnItsWay(message: string): string {
  return page('Check your mail', `<p class="ok">${escapeHtml(message)}</p><p>The link in it works once.</p>`);
}

/** What the invitation form says of its invitation. */
export interface InvitationSummary {
  workspaceName: string;
  role: string;
  email: string;
  inviterName: string | null;
  expiresAt: Date;
}

export function invitationForm(token: string, invitation: InvitationSummary, error?: string, fullName = ''): string {
  const inviter = invitation.inviterName ? `${escapeHtml(invitation.inviterName)} invites you` : 'You are invited';
  return page(
    'Join a Labwire workspace',
    `${alert(error)}
<p>${inviter} to the workspace <strong>${escapeHtml(invitation.workspaceName)}</strong> as
<strong>${escapeHtml(invitation.role)}</strong>. The invitation expires at ${escapeHtml(invitation.expiresAt.toISOString())}.</p>
<p>Create your account for <strong>${escapeHtml(invitation.email)}</strong>: you join the workspace with that role.</p>
<form method="post" action="accept-invitation">${tokenField(token)}
<label for="fullName">Your name</label>
<input id="fullName" name="fullName" autocomplete="name" maxlength="200" value="${escapeHtml(fullName)}" required>
${passwordFields('new-password')}
<button type="submit">Create my account</button></form>
<p>Already have an account with this address? <a href="invitations">Accept the invitation as a signed-in user</a>.</p>`,
  );
}

export function invitationAccepted(email: string, status: string): string {
  const next =
    status === 'active'
      ? '<p>You are a member of the workspace: sign in with your Labwire client.</p>'
      : '<p>You are a member of the workspace. An administrator still has to approve your account; you will get a mail when they do.</p>';
  return page('Welcome to Labwire', `<p class="ok">Your account ${escapeHtml(email)} is created.</p>${next}`);
}

export function missingToken(what: string): string {
  return page(
    'Open the link from your mail',
    `<p class="error" role="alert">This page needs the ${escapeHtml(what)} link from your mail, whole: its token is missing or cut off.</p>
<p>Copy the whole link from the mail into the address bar.</p>`,
  );
}

/** A refusal or an error that no form can fix from here. */
export function errorPage(title: string, message: string, hint = ''): string {
  return page(title, `${alert(message)}${hint}`);
}

export function failed(requestId: string): string {
  return page(
    'Something went wrong',
    `<p class="error" role="alert">Labwire could not do this now. Try again later; if it keeps failing, give your administrator this reference: ${escapeHtml(requestId)}</p>`,
  );
}
