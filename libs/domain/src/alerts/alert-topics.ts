/** The retained current-alert topics displays subscribe to (CONTRACT.md, MQTT). */
export const alertTopics = {
  workspaceCurrent: (workspaceId: string) => `labwire/workspaces/${workspaceId}/alerts/current`,
  locationCurrent: (workspaceId: string, locationId: string) =>
    `labwire/workspaces/${workspaceId}/locations/${locationId}/alerts/current`,
};

/** The Redis pub/sub channel of a workspace's alert changes (api replicas relay it as Server-Sent Events). */
export function alertEventsChannel(prefix: string, workspaceId: string): string {
  return `${prefix}:alerts:${workspaceId}`;
}
