// Where is an installed Yate? `YATE_PREFIX` (an install prefix: `$YATE_PREFIX/bin/yate`) wins;
// else `yate` on PATH. Answers the binary, the modules folder (for `-m`) and the library folder
// (for LD_LIBRARY_PATH: a Yate installed under a non-standard prefix cannot find libyate.so
// without it), or a one-line reason why there is none. Only this file reads the environment
// for the real-Yate suite.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import path from 'node:path';

export interface YateInstall {
  /** The `yate` executable. */
  readonly bin: string;
  /** Modules folder (`-m`): holds ysipchan.yate, extmodule.yate, server/regfile.yate... */
  readonly modules: string;
  /** Folder with libyate.so, prepended to LD_LIBRARY_PATH when Yate runs. */
  readonly lib: string;
  /** `yate -V` output, e.g. "6.4.1". */
  readonly version: string;
}

/** Not found: `requested` when YATE_PREFIX named a Yate that is not usable (a setup error, not
 *  a machine without Yate). */
export type FindResult = { readonly ok: true; readonly yate: YateInstall } | { readonly ok: false; readonly reason: string; readonly requested: boolean };

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The executable `name` in the first folder of `envPath` that has one (the real-client drivers
 *  find their clients with it too). */
export function onPath(name: string, envPath: string = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    if (executable(file)) return file;
  }
  return undefined;
}

/** Locate Yate from `env` (defaults to this process's environment). */
export function findYate(env: NodeJS.ProcessEnv = process.env): FindResult {
  let bin: string;
  const requested = Boolean(env.YATE_PREFIX);
  if (env.YATE_PREFIX) {
    bin = path.join(env.YATE_PREFIX, 'bin', 'yate');
    if (!executable(bin)) return { ok: false, requested, reason: `YATE_PREFIX=${env.YATE_PREFIX} but ${bin} is not an executable file` };
  } else {
    const found = onPath('yate', env.PATH ?? '');
    if (!found) return { ok: false, requested, reason: 'no Yate found: YATE_PREFIX is not set and there is no yate on PATH' };
    bin = found;
  }
  const prefix = path.dirname(path.dirname(realpathSync(bin)));
  const lib = ['lib', 'lib64'].map((d) => path.join(prefix, d)).find((d) => existsSync(path.join(d, 'yate'))) ?? path.join(prefix, 'lib');
  const modules = path.join(lib, 'yate');
  for (const m of ['ysipchan.yate', 'extmodule.yate', 'rmanager.yate', 'msgsniff.yate', path.join('server', 'regfile.yate')]) {
    if (!existsSync(path.join(modules, m))) return { ok: false, requested, reason: `Yate at ${bin} has no module ${path.join(modules, m)}` };
  }
  let version: string;
  try {
    const ldPath = [lib, env.LD_LIBRARY_PATH].filter(Boolean).join(path.delimiter);
    version = execFileSync(bin, ['-V'], { env: { ...env, LD_LIBRARY_PATH: ldPath }, encoding: 'utf8', timeout: 10000 }).trim();
  } catch (err) {
    return { ok: false, requested, reason: `Yate at ${bin} does not run (${(err as Error).message.split('\n')[0]})` };
  }
  return { ok: true, yate: { bin, modules, lib, version } };
}
