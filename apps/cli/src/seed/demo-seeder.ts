import { DataSource } from 'typeorm';
import {
  Actor,
  InstrumentSerialTakenError,
  User,
  UserService,
  WorkspaceMembership,
  WorkspaceView,
} from '@labwire/domain';
import { CliError } from '../cli.error';
import { createLabServices, createUserService, LabServices } from '../domain-services';
import { DEMO_INSTRUMENTS, DEMO_LOCATIONS, DEMO_WORKSPACE } from './demo-data';

export interface DemoSeedReport {
  owner: string;
  workspaceId: string;
  workspaceCreated: boolean;
  locationsCreated: number;
  locations: number;
  instrumentsCreated: number;
  instruments: number;
  /**
   * Always 'none': the CLI does not talk to the broker, so the demo instruments have no MQTT account
   * until one is issued through the api (rotateCredentialsPath).
   */
  mqttCredentials: 'none';
  rotateCredentialsPath: string;
}

/**
 * Seeds a demo workspace through the domain services (so audit entries and rules apply as for any
 * user). Idempotent: the workspace is found by name among the owner's, locations by name,
 * instruments by serial number; only what is missing is created.
 */
export class DemoSeeder {
  private readonly users: UserService;
  private readonly lab: LabServices;

  constructor(ds: DataSource) {
    this.users = createUserService(ds);
    this.lab = createLabServices(ds);
  }

  async run(ownerEmail?: string): Promise<DemoSeedReport> {
    const owner = await this.owner(ownerEmail);
    const actor: Actor = { userId: owner.id, requestId: 'cli:seed:demo' };
    const existing = await this.findWorkspace(owner.id);
    const workspace = existing ?? (await this.lab.workspaces.create(DEMO_WORKSPACE, actor));
    const membership: WorkspaceMembership = { workspaceId: workspace.id, userId: owner.id, role: workspace.role };

    const locationIds = new Map<string, string>();
    let locationsCreated = 0;
    for (const { key, ...input } of DEMO_LOCATIONS) {
      const page = await this.lab.locations.list(workspace.id, { q: input.name }, { page: 1, pageSize: 50 }, []);
      let location = page.items.find((l) => l.name === input.name);
      if (!location) {
        location = await this.lab.locations.create(membership, input, actor);
        locationsCreated++;
      }
      locationIds.set(key, location.id);
    }

    let instrumentsCreated = 0;
    for (const { location, ...input } of DEMO_INSTRUMENTS) {
      try {
        const locationId = location ? locationIds.get(location) : null;
        await this.lab.instruments.create(membership, { ...input, locationId }, actor);
        instrumentsCreated++;
      } catch (err) {
        if (!(err instanceof InstrumentSerialTakenError)) throw err;
      }
    }
    return {
      owner: owner.email,
      workspaceId: workspace.id,
      workspaceCreated: !existing,
      locationsCreated,
      locations: DEMO_LOCATIONS.length,
      instrumentsCreated,
      instruments: DEMO_INSTRUMENTS.length,
      mqttCredentials: 'none',
      rotateCredentialsPath: `/api/v1/workspaces/${workspace.id}/instruments/{instrumentId}/credentials/rotate`,
    };
  }

  /** The given user, or the first active administrator. */
  private async owner(email?: string): Promise<User> {
    if (email) {
      const user = await this.users.findByEmail(email);
      if (!user) throw new CliError(`no user with email ${email}: create one with user:create`);
      return user;
    }
    const admins = await this.users.list({ role: 'admin', status: 'active' }, { page: 1, pageSize: 1 }, [
      { field: 'createdAt', direction: 'ASC' },
    ]);
    if (!admins.items.length) {
      throw new CliError('no active administrator to own the demo workspace: pass --owner <email> or run npm start');
    }
    return admins.items[0];
  }

  private async findWorkspace(ownerId: string): Promise<WorkspaceView | undefined> {
    const page = await this.lab.workspaces.listMine(ownerId, { q: DEMO_WORKSPACE.name }, { page: 1, pageSize: 50 }, []);
    return page.items.find((w) => w.name === DEMO_WORKSPACE.name && w.role !== 'viewer');
  }
}
