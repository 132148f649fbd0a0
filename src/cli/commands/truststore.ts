import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { Runner } from '../types.js';
import { registerTruststoreAdd } from './truststore-add.js';
import { registerTruststoreCheck } from './truststore-check.js';
import { registerTruststoreList } from './truststore-list.js';
import { registerTruststoreRemove } from './truststore-remove.js';

/** `rollover truststore …`: a sender's PEM, PKCS#12, JKS, hashed-directory or system truststore (steps 4 and 6). */
export function registerTruststore(program: Command, ctx: CliContext, run: Runner): Command {
  const group = program
    .command('truststore')
    .description('sender truststores: list, add the new root, check, remove the old root (offline)');
  registerTruststoreList(group, ctx, run);
  registerTruststoreAdd(group, ctx, run);
  registerTruststoreRemove(group, ctx, run);
  registerTruststoreCheck(group, ctx, run);
  return group;
}
