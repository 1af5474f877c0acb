// What the simulated native modules (natives/) use of the engine: the dispatcher they install
// handlers in and dispatch through, the log, the run parameters, the loaded plugins, the
// connected scripts and regfile's registrations. The Emulator is one; the natives take this
// narrow view instead of the Emulator, which builds them, so neither imports the other.
import type { Dispatcher } from './dispatcher.js';
import type { EmuLog } from './log.js';
import type { EngineView } from './setlocal.js';

export interface NativeHost {
  readonly dispatcher: Dispatcher;
  readonly log: EmuLog;
  readonly engine: EngineView;
  /** Plugin names loaded (engine.status counts them). */
  readonly plugins: ReadonlySet<string>;
  /** Every external module link, dead ones included (`external` and extmodule's status list the live ones). */
  readonly links: readonly { readonly dead: boolean; readonly name: string; readonly arg: string }[];
  /** The simulated regfile, when in use: the contacts ysipchan can reach. */
  readonly regfile: { contacts(): string[] } | null;
}
