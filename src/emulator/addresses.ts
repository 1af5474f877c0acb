// Yate names objects by their address: a module link (ExtModReceiver) in its log lines, a
// message waiting for a module's answer (MsgHolder) in the message id, "%p.%ld". The emulator
// makes up plausible ones, each new one higher, one sequence per emulator (so two emulators in
// one process do not depend on each other, and nothing is kept at module level).
export class Addresses {
  #link = 0x55d0c0de1000;
  #holder = 0x7f39e10ee000;

  /** A new link's address, `0x55d0c0de12f0`. */
  link(): string {
    this.#link += 0x2f0;
    return `0x${this.#link.toString(16)}`;
  }

  /** A new MsgHolder id: its address, a dot, a random number (`0x7f39e10ee1b0.269329854`). */
  holder(): string {
    this.#holder += 0x1b0;
    return `0x${this.#holder.toString(16)}.${Math.floor(Math.random() * 0x7fffffff)}`;
  }
}
