import { escapeHtml } from '../common/html/html-page';
import { alert, page } from './account-page-views';

/** An open invitation as the signed-in invitee's page lists it. */
export interface ListedInvitation {
  id: string;
  workspaceName: string;
  role: string;
  inviterName: string | null;
  expiresAt: Date;
}

function sessionField(session: string): string {
  return `<input type="hidden" name="session" value="${escapeHtml(session)}">`;
}

/** Where an invitee with an account signs in to answer, and how to do it with the API instead. */
export function invitationsSignIn(apiBase: string, error?: string, email = ''): string {
  const api = escapeHtml(apiBase);
  return page(
    'Your workspace invitations',
    `${alert(error)}
<p>Sign in with your Labwire account to see the invitations to your address and accept or decline them.</p>
<form method="post" action="invitations">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" maxlength="320" value="${escapeHtml(email)}" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" maxlength="256" required>
<button type="submit">Sign in</button></form>
<p><a href="forgot-password">Forgot your password?</a></p>
<p>Or with the API:</p>
<pre>TOKEN=$(curl -s -X POST ${api}/auth/login -H 'content-type: application/json' \\
  -d '{"email":"you@lab.example","password":"…"}' | jq -r .accessToken)
curl -s ${api}/users/me/invitations -H "authorization: Bearer $TOKEN"
curl -s -X POST ${api}/users/me/invitations/INVITATION_ID/accept -H "authorization: Bearer $TOKEN"</pre>
<p>(<code>/decline</code> instead of <code>/accept</code> declines.)</p>`,
  );
}

/** The signed-in invitee's open invitations, each with its accept and decline buttons. */
export function invitationsList(
  invitations: ListedInvitation[],
  session: string,
  notice: { ok?: string; error?: string } = {},
): string {
  const items = invitations
    .map((v) => {
      const from = v.inviterName ? `, from ${escapeHtml(v.inviterName)}` : '';
      const hidden = `${sessionField(session)}<input type="hidden" name="invitationId" value="${escapeHtml(v.id)}">`;
      return `<li><p><strong>${escapeHtml(v.workspaceName)}</strong> as <strong>${escapeHtml(v.role)}</strong>${from};
expires at ${escapeHtml(v.expiresAt.toISOString())}</p>
<div class="actions"><form method="post" action="answer-invitation">${hidden}<input type="hidden" name="answer" value="accept"><button type="submit">Accept</button></form>
<form method="post" action="answer-invitation">${hidden}<input type="hidden" name="answer" value="decline"><button type="submit">Decline</button></form></div></li>`;
    })
    .join('\n');
  const list = invitations.length ? `<ul>${items}</ul>` : '<p>You have no open invitations.</p>';
  return page(
    'Your workspace invitations',
    `${alert(notice.error)}${notice.ok ? `<p class="ok" role="status">${escapeHtml(notice.ok)}</p>` : ''}${list}
<form method="post" action="sign-out">${sessionField(session)}<button type="submit">Sign out</button></form>`,
  );
}

export function signedOut(notice?: string): string {
  return page(
    'Signed out',
    `${notice ? `<p class="ok" role="status">${escapeHtml(notice)}</p>` : ''}<p>You are signed out of this page.</p>
<p><a href="invitations">Your invitations</a></p>`,
  );
}
