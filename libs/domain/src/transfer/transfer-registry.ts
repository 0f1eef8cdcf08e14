import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { AlertRuleIndexSignal } from '../alert-rules/alert-rule-index-signal';
import { NotificationChannelService } from '../notifications/notification-channel.service';
import { ScheduleConfigCheck } from '../schedules/schedule-config-check';
import { ScheduleSync } from '../schedules/schedule-sync';
import { TelemetryWriter } from '../telemetry/telemetry-writer';
import { ExportInclude } from './export-format';
import { AlertConfigKind } from './kinds/alert-config.kind';
import { AlertRuleKind } from './kinds/alert-rule.kind';
import { ClassificationJobKind } from './kinds/classification-job.kind';
import { ClassificationSchemeKind } from './kinds/classification-scheme.kind';
import { DatasourceKind } from './kinds/datasource.kind';
import { InstrumentKind } from './kinds/instrument.kind';
import { LocationKind } from './kinds/location.kind';
import { NotificationChannelKind } from './kinds/notification-channel.kind';
import { ScheduleTransferKind } from './kinds/schedule.kind';
import { TelemetryKind } from './kinds/telemetry.kind';
import { TransferKind } from './transfer-kind';

/**
 * Every kind of entity export documents carry, in dependency order: a kind is written (and read)
 * after the kinds it refers to. Adding a kind: a TransferKind, its `include` name in EXPORT_INCLUDES,
 * and its place here.
 */
@Injectable()
export class TransferRegistry {
  readonly kinds: readonly TransferKind[];
  private readonly byType = new Map<string, TransferKind>();

  constructor(
    telemetry: TelemetryWriter,
    channels: NotificationChannelService,
    ruleIndex: AlertRuleIndexSignal,
    scheduleConfigs: ScheduleConfigCheck,
    scheduleSync: ScheduleSync,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.kinds = [
      new LocationKind(),
      new InstrumentKind(),
      new NotificationChannelKind(channels),
      new AlertConfigKind(),
      new AlertRuleKind(ruleIndex),
      new ClassificationSchemeKind(),
      new DatasourceKind(),
      new ClassificationJobKind(),
      new ScheduleTransferKind(scheduleConfigs, scheduleSync, config.schedules),
      new TelemetryKind(telemetry),
    ];
    for (const kind of this.kinds) for (const type of kind.types) this.byType.set(type, kind);
  }

  /** The kinds an export with these includes writes, in order. */
  included(include: readonly ExportInclude[]): TransferKind[] {
    return this.kinds.filter((k) => include.includes(k.include));
  }

  kindOf(type: string): TransferKind | undefined {
    return this.byType.get(type);
  }
}
