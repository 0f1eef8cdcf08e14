/** What a maintenance window is for. Values are stored and filtered on: add, never rename. */
export const MAINTENANCE_KINDS = [
  'preventive',
  'corrective',
  'calibration',
  'cleaning',
  'inspection',
  'other',
] as const;
export type MaintenanceKind = (typeof MAINTENANCE_KINDS)[number];

/** Where a window stands now: not started, open (the instrument is in maintenance), or over. */
export const MAINTENANCE_WINDOW_STATES = ['planned', 'open', 'done'] as const;
export type MaintenanceWindowState = (typeof MAINTENANCE_WINDOW_STATES)[number];

/** A period during which an instrument is under maintenance (a row of `instrument_maintenance_windows`). */
export interface MaintenanceWindow {
  id: string;
  workspaceId: string;
  instrumentId: string;
  startsAt: Date;
  endsAt: Date;
  kind: MaintenanceKind;
  notes: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export function windowState(window: Pick<MaintenanceWindow, 'startsAt' | 'endsAt'>, now: Date): MaintenanceWindowState {
  if (new Date(window.startsAt).getTime() > now.getTime()) return 'planned';
  return new Date(window.endsAt).getTime() > now.getTime() ? 'open' : 'done';
}
