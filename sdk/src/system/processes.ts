/**
 * Whether a process exists (signal 0 sends nothing; EPERM: it exists, owned by someone else). A
 * zombie counts until its parent reaps it.
 */
export function processExists(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
