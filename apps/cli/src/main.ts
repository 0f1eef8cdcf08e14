import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { Command } from 'commander';
import { ConfigError, DomainError } from '@labwire/core';
import { CliError } from './cli.error';
import { registerDbCommands, registerDbMaintenanceCommands } from './commands/db.commands';
import { registerMigrationCommands } from './commands/migration.commands';
import { registerSeedCommands } from './commands/seed.commands';
import { registerStartCommands } from './commands/start.command';
import { registerUserCommands } from './commands/user.commands';

// Domain services log through Nest's Logger; a CLI shows only what goes wrong.
Logger.overrideLogger(['error', 'warn']);

const program = new Command('labwire').description('Labwire admin CLI').showHelpAfterError();
registerMigrationCommands(program);
registerDbCommands(program);
registerDbMaintenanceCommands(program);
registerUserCommands(program);
registerSeedCommands(program);
registerStartCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof CliError) console.error(err.message);
  else if (err instanceof DomainError) console.error(`${err.code}: ${err.message}`);
  else console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
