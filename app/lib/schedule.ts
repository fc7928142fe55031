/**
 * Runs `task` every `intervalMs`, never two at once; the timer does not keep the process alive. The returned stop
 * clears the timer and resolves once a run in progress has finished, so a stopping server closes its database only
 * after it.
 */
export function runEvery(
  intervalMs: number,
  task: () => Promise<void>,
  onError: (error: unknown) => void,
): () => Promise<void> {
  let current: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (current) return;
    current = task()
      .catch(onError)
      .finally(() => {
        current = null;
      });
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await current;
  };
}
