import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { MailTemplateError } from './mail.errors';
import { MailMessage } from './mail-message';
import { MAIL_SUBJECTS, MailTemplateName, MailTemplateVars } from './mail-templates';

/** Next to this file in the sources and in dist/ (scripts/build.sh copies the directory). */
export const MAIL_TEMPLATE_DIR = join(__dirname, 'templates');

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/**
 * Renders the mail templates: the body of a template inside the layout, once as HTML (every variable
 * escaped) and once as plain text. Files are read once and kept.
 */
@Injectable()
export class MailRenderer {
  private readonly files = new Map<string, string>();

  constructor(private readonly dir: string = MAIL_TEMPLATE_DIR) {}

  render<T extends MailTemplateName>(template: T, vars: MailTemplateVars[T]): RenderedMail {
    const values = vars as unknown as Record<string, string>;
    const subject = MAIL_SUBJECTS[template];
    const html = this.fill(
      this.file('layout.html'),
      { subject: escapeHtml(subject), body: this.fill(this.file(`${template}.html`), values, escapeHtml, template) },
      (v) => v,
      'layout.html',
    );
    const text = this.fill(
      this.file('layout.txt'),
      { subject, body: this.fill(this.file(`${template}.txt`), values, (v) => v, template) },
      (v) => v,
      'layout.txt',
    );
    return { subject, text, html };
  }

  /** A message for MailTransport.send. */
  message<T extends MailTemplateName>(to: string | string[], template: T, vars: MailTemplateVars[T]): MailMessage {
    return { to, ...this.render(template, vars) };
  }

  /** The variables a template's files use (for the check that every one is declared). */
  placeholders(template: MailTemplateName): string[] {
    const names = new Set<string>();
    for (const file of [`${template}.html`, `${template}.txt`]) {
      for (const m of this.file(file).matchAll(PLACEHOLDER)) names.add(m[1]);
    }
    return [...names].sort();
  }

  private fill(
    source: string,
    values: Record<string, string>,
    escape: (value: string) => string,
    where: string,
  ): string {
    return source.replace(PLACEHOLDER, (_, name: string) => {
      const value = values[name];
      if (typeof value !== 'string') throw new MailTemplateError(`mail template ${where}: no value for {{${name}}}`);
      return escape(value);
    });
  }

  private file(name: string): string {
    let content = this.files.get(name);
    if (content === undefined) {
      try {
        content = readFileSync(join(this.dir, name), 'utf8');
      } catch {
        throw new MailTemplateError(`mail template file ${join(this.dir, name)} is missing`);
      }
      this.files.set(name, content);
    }
    return content;
  }
}
