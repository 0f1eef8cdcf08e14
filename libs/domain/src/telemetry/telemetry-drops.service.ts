import { Injectable } from '@nestjs/common';
import { InstrumentNotFoundError } from '../instruments/instruments.errors';
import { TelemetryDropRepository, TelemetryDropSummary } from './telemetry-drop.repository';

/** Reads an instrument's dropped telemetry (what the MQTT bridge counted and flushed). */
@Injectable()
export class TelemetryDropsService {
  constructor(private readonly drops: TelemetryDropRepository) {}

  async forInstrument(workspaceId: string, instrumentId: string): Promise<TelemetryDropSummary> {
    const summary = await this.drops.summaryInWorkspace(workspaceId, instrumentId);
    if (!summary) throw new InstrumentNotFoundError(instrumentId);
    return summary;
  }
}
