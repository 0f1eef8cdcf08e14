import { escapeHtml, MailRenderer } from './mail-renderer';
import { MAIL_TEMPLATE_NAMES, MailTemplateName, MailTemplateVars } from './mail-templates';

/** One set of variables per template: the compiler checks it names every template with its variables. */
const SAMPLES: { [T in MailTemplateName]: MailTemplateVars[T] } = {
  'verify-email': { name: 'Ada', link: 'http://x/verify?token=a&b=1', expiresIn: '1 day' },
  'account-exists': { name: 'Ada', resetLink: 'http://x/reset' },
  'approval-requested': { name: 'Ada', email: 'ada@lab.test', docsLink: 'http://x/docs' },
  'account-approved': { name: 'Ada', docsLink: 'http://x/docs' },
  'password-reset': { name: 'Ada', link: 'http://x/reset?token=t', expiresIn: '1 hour' },
  'password-changed': { name: 'Ada' },
  'workspace-invitation': { workspace: 'Lab', inviter: 'Bo', role: 'editor', link: 'http://x/i', expiresIn: '7 days' },
  'workspace-invitation-signup': {
    workspace: 'Lab',
    inviter: 'Bo',
    role: 'editor',
    link: 'http://x/i',
    expiresIn: '7 days',
  },
};

describe('MailRenderer', () => {
  const renderer = new MailRenderer();

  it.each(MAIL_TEMPLATE_NAMES)('%s: its files use exactly the declared variables, and it renders', (template) => {
    expect(renderer.placeholders(template)).toEqual(Object.keys(SAMPLES[template]).sort());
    const mail = renderer.render(template, SAMPLES[template] as never);
    expect(mail.subject.length).toBeGreaterThan(5);
    expect(mail.html).toContain('<html');
    expect(mail.html).not.toMatch(/\{\{/);
    expect(mail.text).not.toMatch(/\{\{/);
  });

  it('escapes variables in the HTML part, not in the text part, and wraps both in the layout', () => {
    const mail = renderer.render('verify-email', {
      name: '<script>alert("x")</script> & {{link}}',
      link: 'http://x/verify?token=a&b=1',
      expiresIn: '1 day',
    });
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; {{link}}');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('href="http://x/verify?token=a&amp;b=1"');
    // a value is never expanded again: {{link}} inside the name stays as typed
    expect(mail.text).toContain('Hello <script>alert("x")</script> & {{link}},');
    expect(mail.text).toContain('http://x/verify?token=a&b=1');
    expect(mail.text).toContain('This mail was sent by Labwire');
    expect(mail.html).toContain('This mail was sent by Labwire');
  });

  it('refuses a missing variable instead of sending a mail with a hole', () => {
    expect(() => renderer.render('password-changed', {} as never)).toThrow(/no value for \{\{name\}\}/);
  });

  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
