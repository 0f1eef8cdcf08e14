/** One rendered notification mail. */
export interface NotificationMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const EVENT_TITLES: Record<string, string> = {
  'alert.triggered': 'Alert triggered',
  'alert.escalated': 'Alert escalated',
  'alert.resolved': 'Alert resolved',
  test: 'Test notification',
};

/** Flattens a delivery document into label/value lines, alert fields first. */
function facts(payload: Record<string, unknown>): Array<[string, string]> {
  const alert = (payload.alert ?? {}) as Record<string, unknown>;
  const rows: Array<[string, string]> = [];
  for (const [label, value] of [
    ['Alert', alert.name ?? alert.key],
    ['Key', alert.key],
    ['Priority', alert.priority],
    ['State', alert.state],
    ['Instrument', alert.instrumentName ?? alert.instrumentId],
    ['Note', alert.note],
    ['Triggered', alert.triggerCount !== undefined ? `${String(alert.triggerCount)} time(s)` : undefined],
    ['Message', payload.message],
    ['When', payload.occurredAt],
    ['Workspace', payload.workspaceId],
  ] as Array<[string, unknown]>) {
    if (value !== undefined && value !== null && value !== '') rows.push([label, String(value)]);
  }
  return rows;
}

/** The mail of a delivery: a subject naming the event and alert, a plain-text and an HTML body (escaped). */
export function renderNotificationMail(to: string[], payload: Record<string, unknown>): NotificationMail {
  const event = String(payload.event ?? 'notification');
  const alert = (payload.alert ?? {}) as Record<string, unknown>;
  const title = EVENT_TITLES[event] ?? 'Notification';
  const what = alert.name ?? alert.key;
  const subject = `[Labwire] ${title}${what ? `: ${String(what)}` : ''}${alert.priority ? ` (P${String(alert.priority)})` : ''}`;
  const rows = facts(payload);
  const text = [title, '', ...rows.map(([k, v]) => `${k}: ${v}`), '', 'Sent by Labwire.'].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif"><h2>${escapeHtml(title)}</h2><table>${rows
    .map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join('')}</table><p style="color:#666">Sent by Labwire.</p></body></html>`;
  return { to, subject, text, html };
}
