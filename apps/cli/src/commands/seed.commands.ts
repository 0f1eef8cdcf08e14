import { Command } from 'commander';
import { loadConfig } from '@labwire/core';
import { DemoSeeder } from '../seed/demo-seeder';
import { withDataSource } from '../with-data-source';

export function registerSeedCommands(program: Command): void {
  program
    .command('seed:demo')
    .description('create (or complete) a demo workspace with locations and instruments; safe to run again')
    .option('--owner <email>', 'the owning user (default: the first active administrator)')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { owner?: string; json?: boolean }) => {
      const report = await withDataSource(loadConfig(), (ds) => new DemoSeeder(ds).run(opts.owner));
      if (opts.json) {
        console.log(JSON.stringify(report));
        return;
      }
      console.log(
        `demo workspace ${report.workspaceId} ${report.workspaceCreated ? 'created' : 'already there'}, owned by ${report.owner}`,
      );
      console.log(`  locations:   ${report.locationsCreated} created, ${report.locations} in the demo set`);
      console.log(`  instruments: ${report.instrumentsCreated} created, ${report.instruments} in the demo set`);
      console.log('  MQTT credentials: none (the CLI does not reach the broker); to connect a demo instrument, issue');
      console.log(`  its username and password once with POST ${report.rotateCredentialsPath}`);
    });
}
