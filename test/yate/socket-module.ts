// The module in socket mode, started by the test (not by Yate): `scripts/yate-chat --connect
// <unix:PATH | tcp://127.0.0.1:PORT> <rules.json>` in its own process group, stderr kept (Yate
// does not collect it in socket mode). `stop()` ends it with SIGTERM, then SIGKILLs its group.
import { spawn } from 'node:child_process';
import { killGroup, LAUNCHER, live, type RunningYate } from './engine.js';

export interface SocketModule {
  readonly pid: number;
  stderr(): string;
  /** Exit code once it ended, else null. */
  exitCode(): number | null;
  stop(): Promise<void>;
}

/** Starts `command args` (default: the launcher with --connect to this Yate's listener and its rules). */
export function startSocketModule(yate: RunningYate, argv?: readonly string[]): SocketModule {
  if (!yate.connectTo) throw new Error('this Yate was started without an extmodule [listener]');
  const [command, ...args] = argv ?? [LAUNCHER, '--connect', yate.connectTo, yate.rulesPath];
  const proc = spawn(command!, args, {
    cwd: yate.dir, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, YATE_CHAT_NODE: process.execPath },
  });
  const pid = proc.pid;
  if (pid === undefined) throw new Error(`cannot start ${command}`);
  live.add(pid);
  let err = '';
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => {
    killGroup(pid, 'SIGKILL');
    live.delete(pid);
    resolve();
  }));
  return {
    pid,
    stderr: () => err,
    exitCode: () => proc.exitCode,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
