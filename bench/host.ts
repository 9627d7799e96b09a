// The bench's server process: builds the requested scenario servers, listens on 127.0.0.1, reports the ports over IPC.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findVariant } from './scenarios';
import type { BenchEnv } from './fixtures';

/** What the parent asks a host for (its one argument, as JSON). */
export interface HostConfig {
  readonly env: BenchEnv;
  readonly servers: readonly { scenario: string; variant: string; maxHeaderSize?: number }[];
}

/** Messages from a host to the parent. */
export type HostMessage =
  | { type: 'ready'; ports: number[] }
  | { type: 'memory'; usage: NodeJS.MemoryUsage }
  | { type: 'error'; message: string };

/** Messages from the parent to a host. */
export type ParentMessage = { type: 'memory' };

function send(message: HostMessage): void {
  process.send?.(message);
}

/** Collects garbage as fully as V8 will (needs --expose-gc) and reports the memory in use. */
function settledMemory(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the heap measurement needs node --expose-gc');
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage();
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as HostConfig;
  const servers: Server[] = [];
  const ports: number[] = [];
  for (const { scenario, variant, maxHeaderSize } of config.servers) {
    const listener = await findVariant(scenario, variant).build(config.env);
    const server = createServer(maxHeaderSize ? { maxHeaderSize } : {}, listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    ports.push((server.address() as AddressInfo).port);
  }
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'memory') send({ type: 'memory', usage: settledMemory() });
  });
  // The parent going away (a crash, Ctrl-C) ends the host too; exiting (not dying
  // of the signal) lets --cpu-prof write its profile.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  send({ type: 'ready', ports });
}

main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});
