import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { InstrumentService } from '@labwire/domain';
import { BROKER_ADMIN, BrokerAdmin } from '@labwire/providers';
import { BrokerNotManageableError } from './broker-not-manageable.error';

/**
 * At boot, before the api serves anything: the broker must accept Labwire's management requests
 * (CONTRACT: a broker that cannot manage clients is refused with a message that says so), Labwire's
 * account gets its topic rights, and the broker's instrument clients are reconciled with the registry.
 */
@Injectable()
export class BrokerStartup implements OnApplicationBootstrap {
  private readonly logger = new Logger('Broker');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(BROKER_ADMIN) private readonly broker: BrokerAdmin,
    private readonly instruments: InstrumentService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.broker.verify();
      await this.broker.ensureServiceAccess();
    } catch (err) {
      throw new BrokerNotManageableError(this.config.mqtt.url, this.config.mqtt.username, (err as Error).message);
    }
    const report = await this.instruments.reconcileBroker();
    this.logger.log(
      `broker reconciled: ${report.unchanged} clients in step, ${report.repaired} repaired, ` +
        `${report.removed} orphans removed, ${report.needsRotation.length} instruments awaiting a credential rotation`,
    );
  }
}
