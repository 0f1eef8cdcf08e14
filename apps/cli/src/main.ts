import 'reflect-metadata';
import { Command } from 'commander';
import { ConfigError } from '@labwire/core';
import { registerMigrationCommands } from './commands/migration.commands';

const program = new Command('labwire').description('Labwire admin CLI').showHelpAfterError();
registerMigrationCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
