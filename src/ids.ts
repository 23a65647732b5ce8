// Identifiers: groups, keys, webhooks and deliveries have UUIDs (anything else cannot
// exist); devices have the ids their apps chose, held to one rule everywhere.
import { InputError } from './errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);

/** What a service needs to find one thing of a group: every lookup by id is scoped to the caller's group. */
export interface InGroup {
  groupId: string;
  id: string;
}

/** A device id: 1 to 128 printable characters (no control, format, surrogate, private-use or unassigned). */
export const PRINTABLE_1_TO_128 = /^\P{C}{1,128}$/u;

export const NOT_PRINTABLE_1_TO_128 = 'must be 1 to 128 printable characters';

export const isDeviceId = (value: string) => PRINTABLE_1_TO_128.test(value);

/** For arguments naming a device: an id no report could have stored is the caller's mistake. */
export function deviceIdError(value: string, path: (string | number)[]): InputError | undefined {
  return isDeviceId(value) ? undefined : InputError.at(path, NOT_PRINTABLE_1_TO_128);
}

export function checkDeviceId(value: string, path: (string | number)[]): void {
  const error = deviceIdError(value, path);
  if (error) throw error;
}
