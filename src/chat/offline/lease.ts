// The right to deliver one recipient's stored messages, when several Yate nodes share the store
// (SharedState.lease): one node at a time sends them, oldest first, each once. The lease is
// renewed every third of its length while the node delivers, so a delivery may take as long as
// it takes (a slot to wait for, a device that answers after 32 s); a node that dies stops
// renewing and another takes over when the lease runs out. A renewal that fails (the database
// away, or the lease lost after a stall) stops the run before its next message.
import type { SharedState } from '../../store/index.js';

export class DeliveryLease {
  readonly #shared: SharedState;
  readonly #user: string;
  readonly #ms: number;
  readonly #timer: NodeJS.Timeout;
  #lost = false;

  private constructor(shared: SharedState, user: string, ms: number) {
    this.#shared = shared;
    this.#user = user;
    this.#ms = ms;
    this.#timer = setInterval(() => void this.#renew(), Math.max(100, Math.floor(ms / 3)));
    this.#timer.unref();
  }

  /** The lease, or null while another node holds it. Rejects when the store cannot be asked. */
  static async take(shared: SharedState, user: string, ms: number): Promise<DeliveryLease | null> {
    return (await shared.lease(user, ms)) ? new DeliveryLease(shared, user, ms) : null;
  }

  /** Another node may be delivering now: send nothing more. */
  get lost(): boolean {
    return this.#lost;
  }

  async #renew(): Promise<void> {
    if (this.#lost) return;
    try {
      if (!(await this.#shared.lease(this.#user, this.#ms))) this.#lost = true;
    } catch {
      this.#lost = true;
    }
  }

  /** Stop renewing and give it back (a failure to give it back only lets it run out). */
  async release(): Promise<void> {
    clearInterval(this.#timer);
    if (this.#lost) return;
    this.#lost = true;
    await this.#shared.release(this.#user).catch(() => {});
  }
}
