import { Command } from 'commander';
import { AppConfig, loadConfig } from '@labwire/core';
import { describeDuration, USER_STATUSES, User, UserStatus } from '@labwire/domain';
import { JobProducer, QueueRegistry } from '@labwire/queue';
import { CliError } from '../cli.error';
import { createAccountTokens, createApprovalService, createUserService } from '../domain-services';
import { generatePassword } from '../generate-password';
import { withDataSource } from '../with-data-source';

interface UserCreateOptions {
  email: string;
  name: string;
  password?: string;
  admin?: boolean;
  json?: boolean;
}

/** The CLI acts as no user; logs name it. */
const CLI_ACTOR = { userId: 'cli', role: 'admin' as const };

function userJson(u: User) {
  return {
    id: u.id,
    email: u.email,
    fullName: u.fullName,
    role: u.role,
    status: u.status,
    emailVerifiedAt: u.emailVerifiedAt?.toISOString() ?? null,
    approvedAt: u.approvedAt?.toISOString() ?? null,
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
  };
}

function out(json: boolean | undefined, data: unknown, text: string): void {
  console.log(json ? JSON.stringify(data) : text);
}

/** Runs `fn` with a JobProducer over the deployment's Redis (the queues the worker reads). */
async function withProducer<T>(config: AppConfig, fn: (producer: JobProducer) => Promise<T>): Promise<T> {
  const registry = QueueRegistry.open(config);
  try {
    return await fn(new JobProducer(registry));
  } finally {
    await registry.close();
  }
}

export function registerUserCommands(program: Command): void {
  program
    .command('user:create')
    .description('create an active user; prints a generated password when --password is not given')
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--name <name>', 'full name')
    .option('--password <password>', 'at least 12 characters (default: generated and printed once)')
    .option('--admin', 'make the user a platform administrator')
    .option('--json', 'print one JSON object')
    .action(async (opts: UserCreateOptions) => {
      const password = opts.password ?? generatePassword();
      await withDataSource(loadConfig(), async (ds) => {
        const user = await createUserService(ds).create({
          email: opts.email,
          fullName: opts.name,
          password,
          role: opts.admin ? 'admin' : 'user',
          status: 'active',
        });
        const generated = opts.password ? {} : { password };
        out(
          opts.json,
          { ...userJson(user), ...generated },
          `created ${user.role} ${user.email} (id ${user.id})` +
            (opts.password ? '' : `\npassword: ${password}  (shown once: store it now)`),
        );
      });
    });

  program
    .command('user:list')
    .description('list users, oldest first (filter with --status, --role, --q)')
    .option('--status <status>', `one of ${USER_STATUSES.join(', ')}`)
    .option('--role <role>', 'admin or user')
    .option('--q <text>', 'matches email or full name')
    .option('--limit <n>', 'at most this many (default 500)', '500')
    .option('--json', 'print one JSON object {items, total}')
    .action(async (opts: { status?: string; role?: string; q?: string; limit: string; json?: boolean }) => {
      if (opts.status && !(USER_STATUSES as readonly string[]).includes(opts.status)) {
        throw new CliError(`--status: expected one of ${USER_STATUSES.join(', ')}, got "${opts.status}"`);
      }
      if (opts.role && !['admin', 'user'].includes(opts.role)) throw new CliError(`--role: expected admin or user`);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new CliError('--limit: expected 1 to 500');
      await withDataSource(loadConfig(), async (ds) => {
        const page = await createUserService(ds).list(
          { status: opts.status as UserStatus | undefined, role: opts.role as 'admin' | 'user' | undefined, q: opts.q },
          { page: 1, pageSize: limit },
          [{ field: 'createdAt', direction: 'ASC' }],
        );
        const lines = page.items.map((u) => `${u.id}  ${u.status.padEnd(8)}  ${u.role.padEnd(5)}  ${u.email}`);
        out(
          opts.json,
          { items: page.items.map(userJson), total: page.total },
          [
            ...lines,
            `${page.total} user(s)${page.total > page.items.length ? `, ${page.items.length} shown` : ''}`,
          ].join('\n'),
        );
      });
    });

  program
    .command('user:approve')
    .description('approve a pending user (as POST /users/{id}/approve does); the user is mailed once active')
    .requiredOption('--email <email>', 'sign-in email of the user')
    .option('--json', 'print one JSON object')
    .action(async (opts: { email: string; json?: boolean }) => {
      const config = loadConfig();
      await withDataSource(config, async (ds) => {
        const user = await createUserService(ds).findByEmail(opts.email);
        if (!user) throw new CliError(`no user has the email ${opts.email} (see npm run cli -- user:list)`);
        const approved = await withProducer(config, (producer) =>
          createApprovalService(ds, config, producer).approve(user.id, CLI_ACTOR),
        );
        const note =
          approved.status === 'active'
            ? user.status === 'pending'
              ? 'approved: the account is active (its owner is mailed)'
              : `nothing to do: the account is ${approved.status}`
            : 'approved: the account still waits for its email verification (USERS_APPROVAL_FLOW=email+admin)';
        out(opts.json, userJson(approved), `${approved.email}: ${note}`);
      });
    });

  program
    .command('user:disable')
    .description('disable a user and end their sessions (the last active admin cannot be disabled)')
    .requiredOption('--email <email>', 'sign-in email of the user')
    .option('--json', 'print one JSON object')
    .action(async (opts: { email: string; json?: boolean }) => {
      await withDataSource(loadConfig(), async (ds) => {
        const users = createUserService(ds);
        const user = await users.findByEmail(opts.email);
        if (!user) throw new CliError(`no user has the email ${opts.email} (see npm run cli -- user:list)`);
        const disabled = await users.update(user.id, { status: 'disabled' }, CLI_ACTOR);
        out(opts.json, userJson(disabled), `${disabled.email} is disabled; their sessions were ended`);
      });
    });

  program
    .command('user:reset-password')
    .description(
      'print a one-time password reset link for a user (or set the password with --password/--generate); ' +
        'using either ends their sessions',
    )
    .requiredOption('--email <email>', 'sign-in email of the user')
    .option('--password <password>', 'set this password now (at least 12 characters) instead of printing a link')
    .option('--generate', 'set a generated password now (printed once) instead of printing a link')
    .option('--json', 'print one JSON object')
    .action(async (opts: { email: string; password?: string; generate?: boolean; json?: boolean }) => {
      const config = loadConfig();
      await withDataSource(config, async (ds) => {
        const users = createUserService(ds);
        const user = await users.findByEmail(opts.email);
        if (!user) throw new CliError(`no user has the email ${opts.email} (see npm run cli -- user:list)`);
        if (opts.password || opts.generate) {
          const password = opts.password ?? generatePassword();
          await users.setPassword(user.id, password);
          out(
            opts.json,
            { email: user.email, ...(opts.password ? {} : { password }) },
            `password of ${user.email} reset; their sessions were signed out` +
              (opts.password ? '' : `\npassword: ${password}  (shown once: store it now)`),
          );
          return;
        }
        const ttl = config.accounts.passwordResetTtlSeconds;
        const { token, row } = await createAccountTokens(ds).issue(user.id, 'reset_password', user.email, ttl);
        const link = `${config.mail.publicUrl}/account/reset-password?token=${encodeURIComponent(token)}`;
        const api = `${config.mail.publicUrl}/api/v1/auth/password/reset`;
        out(
          opts.json,
          { email: user.email, link, token, expiresAt: row.expiresAt.toISOString() },
          [
            `one-time password reset link for ${user.email} (valid ${describeDuration(ttl)}, shown once):`,
            `  ${link}`,
            'or set the password with the api:',
            `  curl -X POST ${api} -H 'content-type: application/json' -d '{"token":"${token}","password":"<new password>"}'`,
          ].join('\n'),
        );
      });
    });
}
