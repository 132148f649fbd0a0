/** Installation values in memory: a fake of the port for unit tests (see ../fakes.ts). */
import type { InstallationValues } from '../settings.js';

/** Installation values in a record. */
export class FakeInstallationValues implements InstallationValues {
  values: Record<string, string> = {};

  async get(key: string) {
    return this.values[key];
  }
  async addIfAbsent(key: string, value: string) {
    this.values[key] ??= value;
  }
}
