import { liveCommandChannel, liveDropsChannel, liveStateChannel, liveTelemetryChannel } from './live-channels';

/** Every live channel of one instrument, as the api relays them to its event stream. */
export function instrumentLiveChannels(prefix: string, instrumentId: string) {
  return {
    telemetry: liveTelemetryChannel(prefix, instrumentId),
    state: liveStateChannel(prefix, instrumentId),
    commands: liveCommandChannel(prefix, instrumentId),
    drops: liveDropsChannel(prefix, instrumentId),
  };
}
