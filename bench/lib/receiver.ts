// The parent's handle on a receiver process (bench/workers/receiver.ts).
import { fork, type ChildProcess } from 'node:child_process';
import { benchFile } from './common.ts';

export interface RemoteReceiver {
  port: number;
  url: string;
  count(service: string): Promise<{ spans: number; distinct: number }>;
  behave(behaviour: Record<string, unknown>): Promise<void>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startRemoteReceiver(port = 0): Promise<RemoteReceiver> {
  const child: ChildProcess = fork(benchFile('workers/receiver.ts'), [String(port)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ready = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { ready: number }) => resolve(message.ready));
    child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
  });
  let nextId = 0;
  const ask = <T>(command: Record<string, unknown>): Promise<T> =>
    new Promise((resolve) => {
      const id = ++nextId;
      const onMessage = (message: { id?: number }) => {
        if (message.id !== id) return;
        child.off('message', onMessage);
        resolve(message as T);
      };
      child.on('message', onMessage);
      child.send({ ...command, id });
    });
  return {
    port: ready,
    url: `http://127.0.0.1:${ready}`,
    count: (service) => ask({ cmd: 'count', service }),
    behave: async (behaviour) => void (await ask({ cmd: 'behave', behaviour })),
    reset: async () => void (await ask({ cmd: 'reset' })),
    close: async () => {
      if (child.exitCode !== null) return;
      await ask({ cmd: 'close' });
    },
  };
}
