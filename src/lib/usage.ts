// The usage report's vocabulary, without zod: the Usage page imports these, and zod stays out of its
// first-load JavaScript (schemas/usage.ts builds the schemas on them). Browser-safe.

/** The longest range one report covers: a year, leap day included. */
export const USAGE_MAX_DAYS = 366;

export const USAGE_GROUPS = ['source', 'token', 'key', 'member', 'model', 'credential'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];
export const USAGE_INTERVALS = ['day', 'month'] as const;
export type UsageInterval = (typeof USAGE_INTERVALS)[number];

export const USAGE_GROUP_NAMES: Record<UsageGroup, string> = {
  source: 'Source',
  token: 'Gateway token',
  key: 'Key',
  member: 'Member',
  model: 'Model',
  credential: 'Credential',
};

const DAY_MS = 86_400_000;
export const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
export const dayString = (d: Date) => d.toISOString().slice(0, 10);

/** The default range: the last 30 days, today included. */
export function defaultRange(now = new Date()): { from: string; to: string } {
  return { from: dayString(new Date(now.getTime() - 29 * DAY_MS)), to: dayString(now) };
}

