import { after } from 'node:test';

const tasks: Array<() => unknown> = [];

// Registered once, when the first test file imports the kit, on the file's root: so cleanups run when
// the whole file ends, even when a resource was made inside a `before` hook (where `after` would
// otherwise attach to the hook and run as soon as it returns).
after(async () => {
  for (const task of tasks.splice(0).reverse()) await task();
});

/** Runs `task` when the test file ends (last registered, first run). */
export function onFileEnd(task: () => unknown): void {
  tasks.push(task);
}
