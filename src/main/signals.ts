/** Resolves with the signal name on the first SIGINT or SIGTERM (a server's way to be told to drain). */
export function waitForShutdownSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => () => {
      process.removeListener('SIGINT', int);
      process.removeListener('SIGTERM', term);
      resolve(sig);
    };
    const int = on('SIGINT');
    const term = on('SIGTERM');
    process.once('SIGINT', int);
    process.once('SIGTERM', term);
  });
}
