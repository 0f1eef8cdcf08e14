import { createHash } from 'node:crypto';

/**
 * The api's few server-rendered pages (queue dashboard sign-in, account links from mails): one
 * self-contained layout, no script, no external asset. Every value put into a page goes through
 * escapeHtml.
 */

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:30rem;margin:4rem auto;padding:0 1rem;line-height:1.4}' +
  'label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.4rem;box-sizing:border-box}' +
  'button{margin-top:1rem;padding:.5rem 1rem}.error{color:#a00}.ok{color:#060}' +
  'pre{background:#f4f4f4;padding:.5rem;overflow-x:auto;font-size:.85rem}' +
  '.actions form{display:inline-block;margin-right:.5rem}.actions button{margin-top:0}';

/**
 * CSP source of the layout's one stylesheet, so a page's policy allows it and nothing else inline
 * (no `'unsafe-inline'`).
 */
export const PAGE_STYLE_SOURCE = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/** A whole page: `title` (escaped) as its heading, `body` (HTML the caller escaped) below it. */
export function htmlPage(title: string, body: string, site: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ${escapeHtml(site)}</title>
<style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}
