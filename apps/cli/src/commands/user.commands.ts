import { Command } from 'commander';
import { loadConfig } from '@labwire/core';
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
}
