/** Runs `task` every `intervalMs`, never two runs at once; the timer does not keep the process alive. Returns a stop function. */
export function runEvery(intervalMs: number, task: () => Promise<void>, onError: (error: unknown) => void): () => void {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await task();
    } catch (error) {
      onError(error);
    } finally {
      running = false;
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
