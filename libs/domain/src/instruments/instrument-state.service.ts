import { Injectable, Logger } from '@nestjs/common';
import { Page, PageRequest, toPage } from '@labwire/core';
import { JobName, JobProducer } from '@labwire/queue';
import { LiveEventPublisher } from '../live/live-event-publisher';
import { InstrumentNotFoundError } from './instruments.errors';
import { InstrumentStateTransition } from './instrument-state-transition.entity';
import { CurrentState, InstrumentStateRepository } from './instrument-state.repository';

/** Silence for more than this many expected intervals, plus the grace period, means offline. */
export const SILENCE_FACTOR = 2;
export const SILENCE_GRACE_SECONDS = 10;

/** A state change as the event stream carries it. */
export interface StateChangeEvent {
  id: string;
  instrumentId: string;
  from: string;
  to: string;
  source: string;
  reason: string;
  at: string;
}

export function stateChangeEvent(t: InstrumentStateTransition): StateChangeEvent {
  return {
    id: t.id,
    instrumentId: t.instrumentId,
    from: t.fromState,
    to: t.toState,
    source: t.source,
    reason: t.reason,
    at: new Date(t.at).toISOString(),
  };
}

/**
 * Instruments' connection state: online or offline from their status topic (message or last will),
 * online again when their telemetry is stored, offline when silent past their expected interval.
 * Every change is recorded and published on the instrument's event stream; an instrument coming
 * online gets its waiting commands sent (a job, so it happens once, wherever the change was seen).
 */
@Injectable()
export class InstrumentStateService {
  private readonly logger = new Logger('InstrumentState');

  constructor(
    private readonly states: InstrumentStateRepository,
    private readonly live: LiveEventPublisher,
    private readonly jobs: JobProducer,
  ) {}

  async applyStatus(instrumentId: string, state: 'online' | 'offline'): Promise<InstrumentStateTransition[]> {
    return this.announce(await this.states.applyStatus(instrumentId, state));
  }

  /** After a telemetry batch (received at `receivedAt`) is stored. */
  async markOnlineFromTelemetry(instrumentIds: string[], receivedAt: Date): Promise<InstrumentStateTransition[]> {
    if (!instrumentIds.length) return [];
    return this.announce(await this.states.markOnlineFromTelemetry([...new Set(instrumentIds)], receivedAt));
  }

  /** The scheduled silence check. */
  async markSilentOffline(): Promise<InstrumentStateTransition[]> {
    return this.announce(await this.states.markSilentOffline(SILENCE_FACTOR, SILENCE_GRACE_SECONDS));
  }

  async current(workspaceId: string, instrumentId: string): Promise<CurrentState> {
    const state = await this.states.findStateInWorkspace(workspaceId, instrumentId);
    if (!state) throw new InstrumentNotFoundError(instrumentId);
    return state;
  }

  async history(
    workspaceId: string,
    instrumentId: string,
    page: PageRequest,
  ): Promise<Page<InstrumentStateTransition>> {
    await this.current(workspaceId, instrumentId);
    const [items, total] = await this.states.listHistoryInWorkspace(workspaceId, instrumentId, page);
    return toPage(items, total, page);
  }

  private async announce(transitions: InstrumentStateTransition[]): Promise<InstrumentStateTransition[]> {
    for (const t of transitions) {
      this.logger.log(`instrument ${t.instrumentId}: ${t.fromState} → ${t.toState} (${t.reason})`);
      await this.live.stateChanged(t.instrumentId, stateChangeEvent(t));
      // Connectivity rules see the change at once (the rule sweep catches a job that was not enqueued).
      await this.jobs
        .enqueue(
          JobName.AlertRulesCheckInstrument,
          { instrumentId: t.instrumentId },
          { jobId: `alert-rules.check-instrument.${t.id}` },
        )
        .catch((err: Error) =>
          this.logger.warn(`connectivity rules of ${t.instrumentId} left to the sweep: ${err.message}`),
        );
      if (t.toState !== 'online') continue;
      // One job per change (its id names the change): a retried caller does not send twice, and the
      // periodic command sweep covers a job that could not be enqueued.
      await this.jobs
        .enqueue(
          JobName.InstrumentDispatchCommands,
          { instrumentId: t.instrumentId },
          { jobId: `dispatch-commands.${t.id}` },
        )
        .catch((err: Error) =>
          this.logger.warn(`waiting commands of ${t.instrumentId} not scheduled for sending: ${err.message}`),
        );
    }
    return transitions;
  }
}
