/** An in-process feed of renewal changes, for server-sent events and waking the scheduler. */
import { EventEmitter } from 'node:events';

/** Publish/subscribe of `{id, state}` changes. */
export class ChangeFeed {
  private readonly ee = new EventEmitter();

  constructor() {
    this.ee.setMaxListeners(0);
  }

  /** Tells every subscriber. */
  publish(id: string, state: string): void {
    this.ee.emit('change', id, state);
  }

  /** Subscribes; returns the unsubscribe. */
  subscribe(fn: (id: string, state: string) => void): () => void {
    this.ee.on('change', fn);
    return () => this.ee.off('change', fn);
  }
}
