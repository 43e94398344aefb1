/**
 * A run id short enough to show: its last 12 hex digits. Run ids are UUIDv7,
 * whose leading digits are the time, so runs made together share their start.
 */
export const shortRunId = (id: string): string => id.slice(-12);
