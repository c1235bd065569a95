/** The longest delay `setTimeout` keeps: a longer one (about 24.8 days and up) fires at once, with a warning. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer that may be cleared and, like Node's, kept from holding the process open. */
export interface LongTimer {
  clear(): void;
  unref(): LongTimer;
}

/**
 * `setTimeout` for any delay: a delay past {@link MAX_TIMER_MS} is waited out in steps, never fired at once (a time
 * limit of 600 hours must not cancel a paid batch the moment it starts). `Infinity` never fires.
 */
export function setLongTimeout(callback: () => void, ms: number): LongTimer {
  let timer: NodeJS.Timeout | undefined;
  let unrefd = false;
  const arm = (remaining: number) => {
    if (remaining === Number.POSITIVE_INFINITY) return;
    const step = Math.min(Math.max(remaining, 0), MAX_TIMER_MS);
    timer = setTimeout(() => (remaining > step ? arm(remaining - step) : callback()), step);
    if (unrefd) timer.unref();
  };
  arm(ms);
  const handle: LongTimer = {
    clear: () => clearTimeout(timer),
    unref: () => {
      unrefd = true;
      timer?.unref();
      return handle;
    },
  };
  return handle;
}
