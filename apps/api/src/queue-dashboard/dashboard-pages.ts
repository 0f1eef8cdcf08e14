import { escapeHtml, htmlPage } from '../common/html/html-page';

/** The dashboard's own pages (sign-in, sign-out, refusals): small, self-contained, no script. */
function page(title: string, body: string): string {
  return htmlPage(title, body, 'Labwire queues');
}

export function loginPage(base: string, error?: string): string {
  return page(
    'Labwire queues',
    `${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<p>Sign in as a platform administrator.</p>
<form method="post" action="${escapeHtml(base)}/login">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>`,
  );
}

export function logoutPage(base: string): string {
  return page(
    'Sign out',
    `<form method="post" action="${escapeHtml(base)}/logout"><button type="submit">Sign out of the queue dashboard</button></form>
<p><a href="${escapeHtml(base)}">Back to the queues</a></p>`,
  );
}

export function refusedPage(base: string, message: string): string {
  return page(
    'Not allowed',
    `<p class="error" role="alert">${escapeHtml(message)}</p><p><a href="${escapeHtml(base)}/login">Sign in as someone else</a></p>`,
  );
}
