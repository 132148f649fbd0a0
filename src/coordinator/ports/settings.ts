/** Values the coordinator keeps once per installation (the sealed announcement key, for example). */
export interface InstallationValues {
  /** The value kept under `key`, or undefined. */
  get(key: string): Promise<string | undefined>;
  /** Keeps `value` under `key` unless a value is kept there already (the first writer wins a race). */
  addIfAbsent(key: string, value: string): Promise<void>;
}
