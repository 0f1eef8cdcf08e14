import { Command } from 'commander';
import { loadConfig } from '@labwire/core';
import { CliError } from '../cli.error';
import { createUserService } from '../domain-services';
import { generatePassword } from '../generate-password';
import { withDataSource } from '../with-data-source';

interface UserCreateOptions {
  email: string;
  name: string;
  password?: string;
  admin?: boolean;
}

export function registerUserCommands(program: Command): void {
  program
    .command('user:create')
    .description('create an active user; prints a generated password when --password is not given')
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--name <name>', 'full name')
    .option('--password <password>', 'at least 12 characters (default: generated and printed once)')
    .option('--admin', 'make the user a platform administrator')
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
        console.log(`created ${user.role} ${user.email} (id ${user.id})`);
        if (!opts.password) console.log(`password: ${password}  (shown once: store it now)`);
      });
    });

  program
    .command('user:reset-password')
    .description("set a user's password (e.g. a lost first-admin password); signs their sessions out")
    .requiredOption('--email <email>', 'sign-in email of the user')
    .option('--password <password>', 'at least 12 characters (default: generated and printed once)')
    .action(async (opts: { email: string; password?: string }) => {
      const password = opts.password ?? generatePassword();
      await withDataSource(loadConfig(), async (ds) => {
        const users = createUserService(ds);
        const user = await users.findByEmail(opts.email);
        if (!user) throw new CliError(`no user has the email ${opts.email} (list them with GET /api/v1/users)`);
        await users.setPassword(user.id, password);
        console.log(`password of ${user.email} reset; their sessions were signed out`);
        if (!opts.password) console.log(`password: ${password}  (shown once: store it now)`);
      });
    });
}
