import type { InstrumentAccess } from '@labwire/providers';
import { alertTopics } from '../alerts/alert-topics';

/** What the broker role of an instrument needs to know about it. */
export interface BrokerInstrument {
  id: string;
  workspaceId: string;
  locationId: string | null;
  capabilities: Record<string, unknown> | null;
}

/** A display is an instrument whose capabilities say `display: true`. */
export const isDisplay = (capabilities: Record<string, unknown> | null | undefined) => capabilities?.display === true;

/**
 * A display may subscribe (read-only) to its workspace's current-alert topic and, when it has a
 * location, to that location's; any other instrument to nothing beyond its own commands.
 */
export function instrumentAccess(instrument: BrokerInstrument): InstrumentAccess {
  if (!isDisplay(instrument.capabilities)) return {};
  return {
    subscribeTopics: [
      alertTopics.workspaceCurrent(instrument.workspaceId),
      ...(instrument.locationId ? [alertTopics.locationCurrent(instrument.workspaceId, instrument.locationId)] : []),
    ],
  };
}
