// What a key may do. Stored and printed as "locations:write"; GraphQL names them LOCATIONS_WRITE.

export const SCOPES = [
  'locations:write',
  'locations:read',
  'webhooks:manage',
  'keys:manage',
  'geofences:manage',
] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** "locations:read" -> "LOCATIONS_READ" */
export const scopeToEnumName = (scope: Scope) => scope.replace(':', '_').toUpperCase();
