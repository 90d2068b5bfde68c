import { useState } from 'preact/hooks';

/** An error from anything a call can throw, for ErrorNote. */
export const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

export interface Task {
  busy: boolean;
  /** What the last call said it did, in words (shown in a status line). */
  result: string | null;
  error: Error | null;
  /** Run one user-started call: busy while it runs, then its words or its error. Resolves whether it succeeded. */
  run: (work: () => Promise<string | null>) => Promise<boolean>;
  clear: () => void;
}

/** A button's or a form's one call at a time, with the busy / result / error state every such control shows. */
export function useTask(): Task {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const run = async (work: () => Promise<string | null>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await work());
      return true;
    } catch (e) {
      setError(asError(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, result, error, run, clear: () => (setResult(null), setError(null)) };
}
