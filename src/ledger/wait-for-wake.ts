/**
 * Waits until `register`'s callback is called, `timeoutMs` passes or the signal aborts, whichever
 * comes first. Never rejects: the caller looks at the signal itself.
 */
export function waitForWake(timeoutMs: number, signal: AbortSignal, register: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    signal.addEventListener('abort', done, { once: true });
    register(done);
  });
}
