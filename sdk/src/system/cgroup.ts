/**
 * A cgroup v1 memory limit this large or larger means "no limit": an unlimited cgroup reports the
 * kernel's page-rounded LONG_MAX (9223372036854771712), far above any real machine's memory.
 */
export const CGROUP_V1_UNLIMITED_BYTES = 2 ** 62;

/** A v1 `memory.limit_in_bytes` value as a limit, or null when it means unlimited (or is unreadable). */
export function memoryLimitOf(bytes: number | null): number | null {
  return bytes === null || !Number.isFinite(bytes) || bytes >= CGROUP_V1_UNLIMITED_BYTES ? null : bytes;
}
