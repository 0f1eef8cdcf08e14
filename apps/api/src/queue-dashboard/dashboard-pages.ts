/** The dashboard's own pages (sign-in, sign-out, refusals): small, self-contained, no script. */

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Labwire queues</title>
<style>body{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}
label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.4rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem}.error{color:#a00}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
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
